//! open-iris template I/O: `json.dumps(IrisTemplate.serialize())`, byte for byte.
//!
//! open-iris serializes a template as a dict of three strings:
//! `iris_codes` and `mask_codes` are `base64(np.packbits(bits))` of the codes in "old format"
//! order (probe row, probe column, filter, part), i.e. [`super::CodeShape::index`] order, packed
//! 8 bits per byte with the first bit in the most significant position and the last byte padded
//! with zero bits; `iris_code_version` is e.g. `"v0.1"`. Python's `json.dumps` of that dict, with
//! its default separators, is the text [`IrisTemplate::to_json`] returns.

use super::{is_code_version, CodeShape, IrisCode, IrisError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use zeroize::{Zeroize, Zeroizing};

/// An iris code with its `iris_code_version`, as open-iris's `IrisTemplate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrisTemplate {
    code: IrisCode,
    iris_code_version: String,
}

/// The JSON fields; other fields (e.g. `image_id` of `IrisTemplateWithId`) are ignored.
#[derive(serde::Deserialize)]
struct Fields {
    iris_codes: String,
    mask_codes: String,
    iris_code_version: String,
}

impl IrisTemplate {
    /// A template; `iris_code_version` must look like `v<digits>.<digits>`.
    pub fn new(code: IrisCode, iris_code_version: &str) -> Result<Self, IrisError> {
        if !is_code_version(iris_code_version) {
            return Err(IrisError::CodeVersion(iris_code_version.into()));
        }
        Ok(Self {
            code,
            iris_code_version: iris_code_version.into(),
        })
    }

    /// The code.
    pub fn code(&self) -> &IrisCode {
        &self.code
    }

    /// The iris code version.
    pub fn iris_code_version(&self) -> &str {
        &self.iris_code_version
    }

    /// The JSON text of open-iris's `json.dumps(template.serialize())`.
    pub fn to_json(&self) -> String {
        let iris = Zeroizing::new(STANDARD.encode(pack_bits(self.code.code_bits())));
        let mask = Zeroizing::new(STANDARD.encode(pack_bits(self.code.mask_bits())));
        // The version is [v0-9.]+ (checked), base64 has no character JSON escapes: no escaping.
        format!(
            r#"{{"iris_codes": "{}", "mask_codes": "{}", "iris_code_version": "{}"}}"#,
            iris.as_str(),
            mask.as_str(),
            self.iris_code_version
        )
    }

    /// Reads a serialized template of the given shape (open-iris's `IrisTemplate.deserialize`
    /// with `array_shape = (rows, cols, filters, 2)`), strictly: standard base64 with padding,
    /// exactly `ceil(bits / 8)` bytes, zero padding bits.
    pub fn from_json(text: &str, shape: CodeShape) -> Result<Self, IrisError> {
        let mut fields: Fields =
            serde_json::from_str(text).map_err(|e| IrisError::TemplateJson(e.to_string()))?;
        let code_bits = unpack_field(&fields.iris_codes, shape, "iris_codes");
        let mask_bits = unpack_field(&fields.mask_codes, shape, "mask_codes");
        fields.iris_codes.zeroize();
        fields.mask_codes.zeroize();
        let code = IrisCode::new(shape, code_bits?, mask_bits?)?;
        Self::new(code, &fields.iris_code_version)
    }
}

/// `np.packbits`: 8 bits per byte, first bit most significant, zero-padded.
fn pack_bits(bits: &[bool]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; bits.len().div_ceil(8)]);
    for (i, &b) in bits.iter().enumerate() {
        out[i / 8] |= (b as u8) << (7 - i % 8);
    }
    out
}

fn unpack_field(text: &str, shape: CodeShape, field: &'static str) -> Result<Vec<bool>, IrisError> {
    let bytes = Zeroizing::new(
        STANDARD
            .decode(text)
            .map_err(|_| IrisError::TemplateBase64(field))?,
    );
    let n = shape.len();
    let expected = n.div_ceil(8);
    if bytes.len() != expected {
        return Err(IrisError::TemplateLength {
            field,
            expected,
            got: bytes.len(),
        });
    }
    let bits: Vec<bool> = (0..expected * 8)
        .map(|i| bytes[i / 8] >> (7 - i % 8) & 1 == 1)
        .collect();
    if bits[n..].iter().any(|&b| b) {
        return Err(IrisError::TemplatePadding(field));
    }
    Ok(bits[..n].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> CodeShape {
        CodeShape {
            rows: 1,
            cols: 2,
            filters: 1,
        }
    }

    fn code(bits: [bool; 4], mask: [bool; 4]) -> IrisCode {
        IrisCode::new(shape(), bits.to_vec(), mask.to_vec()).expect("4 bits")
    }

    #[test]
    fn packs_most_significant_bit_first_with_zero_padding() {
        let packed = pack_bits(&[true, false, false, false, false, false, false, true, true]);
        assert_eq!(packed.as_slice(), &[0x81, 0x80]);
    }

    #[test]
    fn json_text_is_python_json_dumps() {
        let t = IrisTemplate::new(code([true, false, true, true], [true; 4]), "v0.1").expect("ok");
        // packbits([1,0,1,1]) = 0xB0 -> "sA=="; [1,1,1,1] = 0xF0 -> "8A==".
        let text = t.to_json();
        assert_eq!(
            text,
            r#"{"iris_codes": "sA==", "mask_codes": "8A==", "iris_code_version": "v0.1"}"#
        );
        assert_eq!(IrisTemplate::from_json(&text, shape()).expect("parses"), t);
    }

    #[test]
    fn reading_is_strict() {
        let ok = r#"{"iris_codes": "sA==", "mask_codes": "8A==", "iris_code_version": "v0.1"}"#;
        assert!(IrisTemplate::from_json(ok, shape()).is_ok());
        // Extra fields (IrisTemplateWithId's image_id) are ignored, as open-iris does.
        let with_id = r#"{"iris_codes":"sA==","mask_codes":"8A==","iris_code_version":"v0.1","image_id":"x"}"#;
        assert!(IrisTemplate::from_json(with_id, shape()).is_ok());
        let cases = [
            (
                ok.replace("sA==", "sA"),
                IrisError::TemplateBase64("iris_codes"),
            ),
            (
                ok.replace("8A==", "8AA="),
                IrisError::TemplateLength {
                    field: "mask_codes",
                    expected: 1,
                    got: 2,
                },
            ),
            (
                ok.replace("sA==", "sQ=="),
                IrisError::TemplatePadding("iris_codes"),
            ),
            (
                ok.replace("v0.1", "0.1"),
                IrisError::CodeVersion("0.1".into()),
            ),
        ];
        for (text, err) in cases {
            assert_eq!(IrisTemplate::from_json(&text, shape()), Err(err), "{text}");
        }
        assert!(matches!(
            IrisTemplate::from_json(r#"{"iris_codes": "sA=="}"#, shape()),
            Err(IrisError::TemplateJson(_))
        ));
    }
}
