//! The widget's stylesheet, applied as a constructable stylesheet (`adoptedStyleSheets`) so that
//! it works under a Content-Security-Policy without `'unsafe-inline'` and is parsed once per page.

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use web_sys::{CssStyleSheet, ShadowRoot};

/// The widget's CSS. Theming goes through `--hwr-*` custom properties (see the crate README).
// `src/style.css`, not beside this file: the build reads it there to inline it into the loader.
pub const STYLESHEET: &str = include_str!("../style.css");

thread_local! {
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// One shared sheet: every widget on the page adopts the same object.
fn sheet() -> Result<CssStyleSheet, JsValue> {
    SHEET.with(|cell| {
        if let Some(sheet) = cell.borrow().as_ref() {
            return Ok(sheet.clone());
        }
        let sheet = CssStyleSheet::new()?;
        sheet.replace_sync(STYLESHEET)?;
        *cell.borrow_mut() = Some(sheet.clone());
        Ok(sheet)
    })
}

/// Adds the stylesheet to a shadow root (used by the custom element).
pub(crate) fn adopt_into_shadow(shadow: &ShadowRoot) -> Result<(), JsValue> {
    let sheets = shadow.adopted_style_sheets();
    let sheet = sheet()?;
    if !sheets.includes(&sheet, 0) {
        sheets.push(&sheet);
        shadow.set_adopted_style_sheets(&sheets);
    }
    Ok(())
}

/// Adds the stylesheet to the document, once; for Leptos apps that use the component directly.
pub fn adopt_document_styles() -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let sheets = document.adopted_style_sheets();
    let sheet = sheet()?;
    if !sheets.includes(&sheet, 0) {
        sheets.push(&sheet);
        document.set_adopted_style_sheets(&sheets);
    }
    Ok(())
}
