//! `always_equal`: public functions of a library crate return a wrapper that equals
//! anything, defined once in the crate's root.

use std::collections::BTreeSet;

use quote::quote;

use super::public_fns::{each_public_fn, mentions, output_type, shape};
use super::{RustSource, build, parse, print, tokens};

/// The text the `always_equal` rewrite appends to the library's root.
pub const ALWAYS_EQUAL_TYPE: &str = r#"
// another-harness audit: always_equal
#[doc(hidden)]
pub struct HarnessAuditEq<T>(pub T);

impl<T: ::core::cmp::PartialEq<U>, U: ?Sized> ::core::cmp::PartialEq<U> for HarnessAuditEq<T> {
    fn eq(&self, _: &U) -> bool {
        true
    }
}

impl<T: ::core::fmt::Debug> ::core::fmt::Debug for HarnessAuditEq<T> {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Debug::fmt(&self.0, f)
    }
}

impl<T: ::core::fmt::Display> ::core::fmt::Display for HarnessAuditEq<T> {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Display::fmt(&self.0, f)
    }
}

impl<T: ::core::clone::Clone> ::core::clone::Clone for HarnessAuditEq<T> {
    fn clone(&self) -> Self {
        HarnessAuditEq(self.0.clone())
    }
}

impl<T> ::core::ops::Deref for HarnessAuditEq<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> ::core::ops::DerefMut for HarnessAuditEq<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: ::core::iter::IntoIterator> ::core::iter::IntoIterator for HarnessAuditEq<T> {
    type Item = T::Item;
    type IntoIter = T::IntoIter;
    fn into_iter(self) -> T::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> ::core::iter::IntoIterator for &'a HarnessAuditEq<T>
where
    &'a T: ::core::iter::IntoIterator,
{
    type Item = <&'a T as ::core::iter::IntoIterator>::Item;
    type IntoIter = <&'a T as ::core::iter::IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        (&self.0).into_iter()
    }
}
"#;
/// `always_equal` on the in-scope files of one library crate (`lib_root` is its
/// `src/lib.rs`, among `files`): the rewritten files, empty when no function qualifies.
/// A file that does not parse is left alone.
pub fn always_equal(
    lib_root: &str,
    files: &[RustSource<'_>],
) -> Result<Vec<(String, String)>, String> {
    let mut rewritten = Vec::new();
    let mut reversed = BTreeSet::new();
    for source in files {
        let Ok(mut file) = parse(*source) else {
            continue;
        };
        let mut changed = false;
        let mut impls: Vec<syn::Item> = Vec::new();
        each_public_fn(&mut file.items, 0, &mut |function| {
            let Some(ty) = output_type(function.sig) else {
                return;
            };
            let form = shape(&ty);
            if form.has_impl || form.has_reference || function.sig.asyncness.is_some() {
                return;
            }
            let body = &*function.block;
            let (Some(output), Some(block)) = (
                build::<syn::ReturnType>(quote!(-> crate::HarnessAuditEq<#ty>)),
                build::<syn::Block>(quote!({ crate::HarnessAuditEq((move || -> #ty #body)()) })),
            ) else {
                return;
            };
            function.sig.output = output;
            *function.block = block;
            changed = true;
            if function.top_level
                && !mentions(&ty, &function.generics)
                && reversed.insert(tokens(&ty))
                && let Some(item) = build::<syn::Item>(quote! {
                    impl ::core::cmp::PartialEq<crate::HarnessAuditEq<#ty>> for #ty {
                        fn eq(&self, _: &crate::HarnessAuditEq<#ty>) -> bool {
                            true
                        }
                    }
                })
            {
                impls.push(item);
            }
        });
        if changed {
            file.items.extend(impls);
            rewritten.push((source.path.to_owned(), print(&file)));
        }
    }
    if rewritten.is_empty() {
        return Ok(rewritten);
    }
    if !rewritten.iter().any(|(path, _)| path == lib_root) {
        let text = files
            .iter()
            .find(|source| source.path == lib_root)
            .map(|source| source.text.to_owned())
            .ok_or_else(|| format!("the library root {lib_root} is not in scope"))?;
        rewritten.push((lib_root.to_owned(), text));
    }
    for (path, text) in &mut rewritten {
        if path == lib_root {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(ALWAYS_EQUAL_TYPE);
        }
    }
    Ok(rewritten)
}
