//! Reading a JSON request body that must be an object. Anything else is Remote's 400
//! `{"message"}`, so even malformed input gets the sandbox's error body.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// The body as a JSON object; an empty body reads as `{}`.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::BadRequest(
            "The request body must be a JSON object.".to_owned(),
        )),
        Err(error) => Err(ApiError::BadRequest(format!(
            "Malformed JSON body: {error}"
        ))),
    }
}
