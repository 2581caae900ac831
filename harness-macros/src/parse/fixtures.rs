//! `fixtures!("dir")`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

use crate::check::messages;

/// The argument of `fixtures!`: the fixtures directory, relative to the package root.
#[derive(Debug, Clone)]
pub struct FixturesInput {
    /// The path literal (errors about the fixtures are spanned on it).
    pub path: LitStr,
}

impl Parse for FixturesInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                messages::FIXTURES_USAGE,
            ));
        }
        let path: LitStr = input
            .parse()
            .map_err(|error| syn::Error::new(error.span(), messages::FIXTURES_USAGE))?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error(messages::FIXTURES_USAGE));
        }
        Ok(FixturesInput { path })
    }
}

/// Parses the argument of `fixtures!`.
pub fn parse(tokens: TokenStream) -> syn::Result<FixturesInput> {
    syn::parse2(tokens)
}

#[cfg(test)]
mod should {
    use super::*;
    use quote::quote;

    #[test]
    fn read_the_path() {
        assert_eq!(parse(quote!("fixtures")).unwrap().path.value(), "fixtures");
        assert_eq!(parse(quote!("fixtures",)).unwrap().path.value(), "fixtures");
    }

    #[test]
    fn explain_the_usage_on_anything_else() {
        for tokens in [quote!(), quote!(fixtures), quote!("a", "b"), quote!(1)] {
            let error = parse(tokens).unwrap_err();
            assert_eq!(error.to_string(), messages::FIXTURES_USAGE);
        }
    }
}
