//! `type_default` and `raise_everywhere`: each public function's body is replaced.

use proc_macro2::TokenStream;
use quote::quote;

use super::public_fns::{each_public_fn, is_unit, output_type, shape};
use super::{RustSource, build, parse, print};

/// `type_default` on one file: `None` when it has no function to rewrite.
pub fn type_default(source: RustSource<'_>) -> Result<Option<String>, String> {
    let mut file = parse(source)?;
    let mut changed = false;
    each_public_fn(&mut file.items, 0, &mut |function| {
        let body = match output_type(function.sig) {
            None => quote!({}),
            Some(ty) => match default_expression(&ty) {
                Some(expression) => quote!({ #expression }),
                None => return,
            },
        };
        if let Some(body) = build::<syn::Block>(body) {
            *function.block = body;
            changed = true;
        }
    });
    Ok(changed.then(|| print(&file)))
}

/// `raise_everywhere` on one file: `None` when it has no function to rewrite.
pub fn raise_everywhere(source: RustSource<'_>) -> Result<Option<String>, String> {
    let mut file = parse(source)?;
    let mut changed = false;
    each_public_fn(&mut file.items, 0, &mut |function| {
        if output_type(function.sig).is_some_and(|ty| shape(&ty).has_impl) {
            return;
        }
        if let Some(body) = build::<syn::Block>(quote!({ unimplemented!() })) {
            *function.block = body;
            changed = true;
        }
    });
    Ok(changed.then(|| print(&file)))
}

/// The body expression giving `ty`'s default, where the standard library has one.
fn default_expression(ty: &syn::Type) -> Option<TokenStream> {
    let default = quote!(::core::default::Default::default());
    if let syn::Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
        && last.ident == "Result"
    {
        let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        let ok = arguments.args.iter().find_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })?;
        return (is_unit(ok) || has_default(ok))
            .then(|| quote!(::core::result::Result::Ok(#default)));
    }
    has_default(ty).then_some(default)
}

fn has_default(ty: &syn::Type) -> bool {
    const NAMES: &[&str] = &[
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "f32",
        "f64",
        "bool",
        "char",
        "String",
        "Vec",
        "VecDeque",
        "HashMap",
        "HashSet",
        "BTreeMap",
        "BTreeSet",
        "BinaryHeap",
        "Option",
        "PathBuf",
        "OsString",
    ];
    match ty {
        syn::Type::Paren(inner) => has_default(&inner.elem),
        syn::Type::Group(inner) => has_default(&inner.elem),
        syn::Type::Tuple(tuple) => tuple.elems.iter().all(has_default),
        syn::Type::Array(array) => has_default(&array.elem),
        syn::Type::Reference(reference) => {
            reference.mutability.is_none()
                && match &*reference.elem {
                    syn::Type::Slice(_) => true,
                    syn::Type::Path(path) => path.path.is_ident("str"),
                    _ => false,
                }
        }
        syn::Type::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| NAMES.iter().any(|name| last.ident == name))
        }
        _ => false,
    }
}
