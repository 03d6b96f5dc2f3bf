//! The one way a protocol enum names its values on the wire: `ALL`, `as_str` and `from_wire`,
//! written once for every enum by [`wire_names!`], so no enum spells its names by hand twice.

/// Implements `ALL`, `as_str` and `from_wire` for a fieldless enum from `Variant => "name"`
/// pairs. The serde attributes of the enum must give the same names: `tests/wire_names.rs` checks
/// that every value serializes to its `as_str`.
macro_rules! wire_names {
    ($type:ident, $count:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $type {
            /// Every value, in declaration order.
            pub const ALL: [$type; $count] = [$($type::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $name),+
                }
            }

            /// The value for a wire name; `None` for any other text.
            pub fn from_wire(text: &str) -> Option<$type> {
                match text {
                    $($name => Some($type::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

pub(crate) use wire_names;
