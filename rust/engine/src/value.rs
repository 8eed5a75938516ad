//! Values crossing the boundary: what an evaluation returns, what a call carries.

/// The completion value of an evaluation, when it is a primitive.
#[derive(Debug, Clone, PartialEq)]
pub enum Primitive {
    Undefined,
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
    /// An object, function, array, … (not converted: programs return JSON strings).
    Other,
}

/// Text or bytes: call results and host messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Text(String),
    Bytes(Vec<u8>),
}

impl Payload {
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Payload::Text(s) => s.into_bytes(),
            Payload::Bytes(b) => b,
        }
    }

    pub(crate) fn from_wire(bytes: Vec<u8>, binary: bool) -> Self {
        if binary {
            Payload::Bytes(bytes)
        } else {
            match String::from_utf8(bytes) {
                Ok(s) => Payload::Text(s),
                Err(e) => Payload::Text(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            }
        }
    }
}

/// A message JavaScript sent with `__hoody.host.post` (id 0) or `.request` (id > 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMessage {
    pub id: u32,
    pub op: String,
    pub data: Payload,
}
