//! Remote's `json_schema_version` query parameter: which version of a form's JSON Schema a
//! request means, on `GET /v1/countries/{alpha3}/employment_basic_information` and on
//! `POST /v1/employments`. Absent means version 1, as at Remote; `latest` is the newest the
//! sandbox has fixtures for.

/// A version of `employment_basic_information` the sandbox has a schema for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonSchemaVersion {
    /// The five basic fields (what Remote's SDK loads by default).
    V1,
    /// Adds tax fields for some countries (Remote's recommendation from 2026-03).
    V3,
}

/// Why a `json_schema_version` value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionRefused {
    /// A version number the sandbox has no schema for (2, 4, …).
    Unknown(u32),
    /// Neither a positive whole number nor `latest`.
    Malformed,
}

impl JsonSchemaVersion {
    /// What `latest` means.
    pub(crate) const LATEST: Self = Self::V3;

    /// The version named by the `json_schema_version` parameter of a raw query string.
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, VersionRefused> {
        let sent = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(key, _)| key == "json_schema_version")
            .map(|(_, value)| value.into_owned());
        let Some(text) = sent else {
            return Ok(Self::V1);
        };
        if text == "latest" {
            return Ok(Self::LATEST);
        }
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VersionRefused::Malformed);
        }
        match text.parse::<u32>() {
            Ok(1) => Ok(Self::V1),
            Ok(3) => Ok(Self::V3),
            Ok(0) | Err(_) => Err(VersionRefused::Malformed),
            Ok(number) => Err(VersionRefused::Unknown(number)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{JsonSchemaVersion, VersionRefused};

    #[test]
    fn an_absent_version_is_1_and_latest_is_3() {
        assert_eq!(
            JsonSchemaVersion::from_query(None),
            Ok(JsonSchemaVersion::V1)
        );
        assert_eq!(
            JsonSchemaVersion::from_query(Some("skip_benefits=true")),
            Ok(JsonSchemaVersion::V1)
        );
        assert_eq!(
            JsonSchemaVersion::from_query(Some("json_schema_version=latest")),
            Ok(JsonSchemaVersion::V3)
        );
        assert_eq!(
            JsonSchemaVersion::from_query(Some("json_schema_version=3")),
            Ok(JsonSchemaVersion::V3)
        );
    }

    #[test]
    fn other_numbers_are_unknown_and_anything_else_is_malformed() {
        assert_eq!(
            JsonSchemaVersion::from_query(Some("json_schema_version=2")),
            Err(VersionRefused::Unknown(2))
        );
        for bad in ["", "0", "-1", "+3", "1.0", "three", "99999999999"] {
            assert_eq!(
                JsonSchemaVersion::from_query(Some(&format!("json_schema_version={bad}"))),
                Err(VersionRefused::Malformed),
                "{bad:?}"
            );
        }
    }
}
