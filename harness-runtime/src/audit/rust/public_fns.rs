//! Finding the public functions a strategy rewrites, and reading their signatures.

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::visit::Visit;

use super::flatten;

/// A public function being rewritten.
pub(super) struct PublicFn<'a> {
    pub(super) sig: &'a mut syn::Signature,
    pub(super) block: &'a mut syn::Block,
    /// Generic parameters in scope (the function's and its `impl`'s), and `Self` in an
    /// `impl`.
    pub(super) generics: BTreeSet<String>,
    /// A free function at the top of the file.
    pub(super) top_level: bool,
    /// A method of an inherent `impl`.
    pub(super) in_impl: bool,
}

pub(super) fn each_public_fn(
    items: &mut [syn::Item],
    depth: usize,
    visit: &mut dyn FnMut(PublicFn<'_>),
) {
    for item in items {
        match item {
            syn::Item::Fn(function)
                if is_public(&function.vis) && eligible(&function.attrs, &function.sig) =>
            {
                let generics = generic_names(&function.sig.generics);
                visit(PublicFn {
                    sig: &mut function.sig,
                    block: &mut function.block,
                    generics,
                    top_level: depth == 0,
                    in_impl: false,
                });
            }
            syn::Item::Impl(block) if block.trait_.is_none() && !is_test_only(&block.attrs) => {
                let mut outer = generic_names(&block.generics);
                outer.insert("Self".to_owned());
                for item in &mut block.items {
                    if let syn::ImplItem::Fn(method) = item
                        && is_public(&method.vis)
                        && eligible(&method.attrs, &method.sig)
                    {
                        let mut generics = outer.clone();
                        generics.extend(generic_names(&method.sig.generics));
                        visit(PublicFn {
                            sig: &mut method.sig,
                            block: &mut method.block,
                            generics,
                            top_level: false,
                            in_impl: true,
                        });
                    }
                }
            }
            syn::Item::Mod(module) if !is_test_only(&module.attrs) => {
                if let Some((_, items)) = &mut module.content {
                    each_public_fn(items, depth + 1, visit);
                }
            }
            _ => {}
        }
    }
}

fn is_public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn eligible(attrs: &[syn::Attribute], sig: &syn::Signature) -> bool {
    sig.constness.is_none()
        && sig.variadic.is_none()
        && !attrs.iter().any(|attr| attr.path().is_ident("test"))
        && !is_test_only(attrs)
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .meta
                .to_token_stream()
                .into_iter()
                .flat_map(flatten)
                .any(|token| token == "test")
    })
}

fn generic_names(generics: &syn::Generics) -> BTreeSet<String> {
    generics
        .params
        .iter()
        .map(|param| match param {
            syn::GenericParam::Type(ty) => ty.ident.to_string(),
            syn::GenericParam::Lifetime(lifetime) => lifetime.lifetime.to_string(),
            syn::GenericParam::Const(constant) => constant.ident.to_string(),
        })
        .collect()
}

/// The return type, unless it is `()` or absent.
pub(super) fn output_type(sig: &syn::Signature) -> Option<syn::Type> {
    match &sig.output {
        syn::ReturnType::Type(_, ty) if !is_unit(ty) => Some((**ty).clone()),
        _ => None,
    }
}

/// The parameter names when every parameter is a plain `name: Type`.
pub(super) fn params(sig: &syn::Signature) -> Option<Vec<syn::Ident>> {
    sig.inputs
        .iter()
        .map(|input| match input {
            syn::FnArg::Typed(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.clone()),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

pub(super) fn is_unit(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Tuple(tuple) if tuple.elems.is_empty())
}

#[derive(Default)]
pub(super) struct Shape {
    pub(super) has_impl: bool,
    pub(super) has_reference: bool,
}

pub(super) fn shape(ty: &syn::Type) -> Shape {
    let mut shape = Shape::default();
    shape.visit_type(ty);
    shape
}

impl<'ast> Visit<'ast> for Shape {
    fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
        self.has_impl = true;
        syn::visit::visit_type_impl_trait(self, node);
    }

    fn visit_type_reference(&mut self, node: &'ast syn::TypeReference) {
        self.has_reference = true;
        syn::visit::visit_type_reference(self, node);
    }

    fn visit_lifetime(&mut self, node: &'ast syn::Lifetime) {
        self.has_reference = true;
        syn::visit::visit_lifetime(self, node);
    }
}

/// Whether `ty` names one of `names` (generic parameters, `Self`) or an inferred `_`.
pub(super) fn mentions(ty: &syn::Type, names: &BTreeSet<String>) -> bool {
    struct Finder<'n> {
        names: &'n BTreeSet<String>,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            if ident == "Self" || self.names.contains(&ident.to_string()) {
                self.found = true;
            }
        }
        fn visit_type_infer(&mut self, _: &'ast syn::TypeInfer) {
            self.found = true;
        }
    }
    let mut finder = Finder {
        names,
        found: false,
    };
    finder.visit_type(ty);
    finder.found
}
