//! Remote's `page` / `page_size` paging: 1-based pages, 20 items by default, at most 100.

use std::collections::HashMap;

use crate::error::ApiError;

const DEFAULT_PAGE_SIZE: usize = 20;
const MAX_PAGE_SIZE: usize = 100;

/// The page a list request asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    number: usize,
    size: usize,
}

/// The paging fields of a list answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub(crate) current_page: usize,
    pub(crate) total_count: usize,
    pub(crate) total_pages: usize,
}

impl Page {
    /// Reads `page` and `page_size` from query parameters; junk is a 400, not a default.
    pub(crate) fn from_params(params: &HashMap<String, String>) -> Result<Self, ApiError> {
        let number = positive(params, "page")?.unwrap_or(1);
        let size = positive(params, "page_size")?
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .min(MAX_PAGE_SIZE);
        Ok(Self { number, size })
    }

    /// The items on this page, and the paging fields.
    pub(crate) fn slice<'a, T>(&self, items: &'a [T]) -> (&'a [T], Paging) {
        let total_count = items.len();
        let start = (self.number - 1).saturating_mul(self.size).min(total_count);
        let end = start.saturating_add(self.size).min(total_count);
        let paging = Paging {
            current_page: self.number,
            total_count,
            total_pages: total_count.div_ceil(self.size),
        };
        (&items[start..end], paging)
    }
}

fn positive(params: &HashMap<String, String>, key: &str) -> Result<Option<usize>, ApiError> {
    match params.get(key).map(String::as_str) {
        None | Some("") => Ok(None),
        Some(text) => match text.parse::<usize>() {
            Ok(value) if value >= 1 => Ok(Some(value)),
            _ => Err(ApiError::BadRequest(format!(
                "{key} must be a positive integer"
            ))),
        },
    }
}
