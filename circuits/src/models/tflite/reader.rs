//! A bounds-checked reader of the `.tflite` (FlatBuffers, identifier `TFL3`) subset zkbio needs.
//!
//! **Why hand-written.** The subset is small: `Model`, one `SubGraph`, `Tensor`, `Buffer`,
//! `QuantizationParameters`, `Operator`, `OperatorCode` and a handful of option tables, read by
//! vtable slot (see `docs` in [`super`]). The alternatives were worse for code that ships on
//! phones and reads downloaded, hence hostile, files:
//! - `tract-tflite` embeds an 852 KB generated schema and pulls in `tract-core` (a whole inference
//!   engine whose int8 arithmetic is not TFLite's);
//! - `tflite` (tflite-rs) binds TensorFlow 1.15's C++ through `cpp!` and builds it from source;
//! - `tflitec` wraps the TFLite C API and clones and builds TensorFlow with bazel at build time;
//! - `flatbuffers`/`planus` with generated code would need a vendored schema plus a code
//!   generator at a matching version, and still leave the semantic checks to us.
//!
//! The reader follows the FlatBuffers binary format directly. Every read goes through
//! `Buf`, which checks each offset and length against the file (no `unsafe`, no unchecked
//! indexing); vector lengths are checked against the bytes that remain before anything is
//! allocated; there is no recursion (the subset has a fixed nesting depth); and hard limits
//! ([`MAX_FILE_BYTES`], [`MAX_TENSORS`], …) bound the work. Alignment is not required: values are
//! read byte-wise, little-endian, so a misaligned but in-bounds file reads the same everywhere.
//! Buffers in the `offset`/`size` form (data outside the FlatBuffer, for models over 2 GB) are
//! refused: zkbio's models are far below [`MAX_FILE_BYTES`].

/// Largest accepted file (64 MiB).
pub const MAX_FILE_BYTES: usize = 64 << 20;
/// Most tensors in the subgraph.
pub const MAX_TENSORS: usize = 4096;
/// Most operators in the subgraph.
pub const MAX_OPERATORS: usize = 4096;
/// Most buffers and operator codes.
pub const MAX_BUFFERS: usize = 8192;
/// Largest tensor rank.
pub const MAX_RANK: usize = 4;
/// Most elements in one tensor (2^24).
pub const MAX_TENSOR_ELEMENTS: usize = 1 << 24;
/// Most operator inputs or outputs.
pub const MAX_OP_ARITY: usize = 64;

/// Why a `.tflite` file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TfliteError {
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("model file is {len} bytes, more than the {max}-byte limit")]
    FileTooLarge {
        /// File size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The file is too short to hold a FlatBuffer header.
    #[error("model file is {len} bytes: truncated (a .tflite file has at least an 8-byte header)")]
    Truncated {
        /// File size.
        len: usize,
    },
    /// Bytes 4..8 are not the TFLite file identifier `TFL3`.
    #[error("not a TFLite model: file identifier is {found:?}, expected \"TFL3\"")]
    BadIdentifier {
        /// The four bytes found.
        found: [u8; 4],
    },
    /// An offset or length points outside the file (a truncated or corrupt file).
    #[error("{what}: offset {offset} (+{len} bytes) is outside the {file_len}-byte file (truncated or corrupt)")]
    OutOfBounds {
        /// What was being read.
        what: &'static str,
        /// Position read.
        offset: u64,
        /// Bytes needed there.
        len: u64,
        /// File size.
        file_len: usize,
    },
    /// A structural rule of the format is broken (bad vtable, bad UTF-8, bad union tag…).
    #[error("malformed model: {0}")]
    Malformed(String),
    /// A count or size is over one of this reader's limits.
    #[error("{what} is {value}, over the limit of {max}")]
    Limit {
        /// What is counted.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The limit.
        max: u64,
    },
    /// The model does not have exactly one subgraph.
    #[error("model has {0} subgraphs; exactly one is supported")]
    SubgraphCount(usize),
    /// An operator outside the supported set (named by its builtin name or custom code).
    #[error("operator {index} is {op}, which is not supported")]
    UnsupportedOp {
        /// Operator index in the subgraph.
        index: usize,
        /// The op's name.
        op: String,
    },
    /// A supported operator uses a feature or parameter outside the supported subset.
    #[error("operator {index} ({op}): {why}")]
    UnsupportedOpParams {
        /// Operator index in the subgraph.
        index: usize,
        /// The op's name.
        op: &'static str,
        /// What is not supported.
        why: String,
    },
    /// The model computes in floating point (not a full-integer quantized model).
    #[error("float model: tensor {tensor} ({name:?}) is {dtype}; only full-integer int8 models are supported")]
    FloatModel {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
        /// Its type.
        dtype: &'static str,
    },
    /// The model's input or output is not a per-tensor quantized `int8` tensor.
    #[error(
        "model {which} (tensor {tensor}) is {dtype}; int8 with per-tensor quantization is required"
    )]
    IoType {
        /// `"input"` or `"output"`.
        which: &'static str,
        /// Tensor index.
        tensor: usize,
        /// Its type (and quantization problem, if any).
        dtype: String,
    },
    /// The model does not have exactly one input and one output.
    #[error("model has {inputs} inputs and {outputs} outputs; exactly one of each is supported")]
    IoCount {
        /// Number of subgraph inputs.
        inputs: usize,
        /// Number of subgraph outputs.
        outputs: usize,
    },
    /// A tensor is inconsistent (bad shape, type, buffer size or quantization).
    #[error("tensor {tensor}: {why}")]
    BadTensor {
        /// Tensor index.
        tensor: usize,
        /// What is wrong.
        why: String,
    },
    /// The operators are not in a valid execution order (a tensor read before it is written,
    /// or written twice).
    #[error("operator {index}: {why}")]
    Graph {
        /// Operator index.
        index: usize,
        /// What is wrong.
        why: String,
    },
}

/// A bounds-checked view of the file.
#[derive(Clone, Copy)]
pub(crate) struct Buf<'a> {
    bytes: &'a [u8],
}

impl<'a> Buf<'a> {
    fn oob(&self, what: &'static str, offset: u64, len: u64) -> TfliteError {
        TfliteError::OutOfBounds {
            what,
            offset,
            len,
            file_len: self.bytes.len(),
        }
    }

    /// `len` bytes at `pos`.
    fn slice(&self, what: &'static str, pos: u64, len: u64) -> Result<&'a [u8], TfliteError> {
        let end = pos
            .checked_add(len)
            .ok_or_else(|| self.oob(what, pos, len))?;
        if end > self.bytes.len() as u64 {
            return Err(self.oob(what, pos, len));
        }
        Ok(&self.bytes[pos as usize..end as usize])
    }

    fn array<const N: usize>(&self, what: &'static str, pos: u64) -> Result<[u8; N], TfliteError> {
        let s = self.slice(what, pos, N as u64)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u8(&self, what: &'static str, pos: u64) -> Result<u8, TfliteError> {
        Ok(self.array::<1>(what, pos)?[0])
    }

    fn u16(&self, what: &'static str, pos: u64) -> Result<u16, TfliteError> {
        Ok(u16::from_le_bytes(self.array(what, pos)?))
    }

    fn u32(&self, what: &'static str, pos: u64) -> Result<u32, TfliteError> {
        Ok(u32::from_le_bytes(self.array(what, pos)?))
    }

    fn i32(&self, what: &'static str, pos: u64) -> Result<i32, TfliteError> {
        Ok(i32::from_le_bytes(self.array(what, pos)?))
    }

    fn u64(&self, what: &'static str, pos: u64) -> Result<u64, TfliteError> {
        Ok(u64::from_le_bytes(self.array(what, pos)?))
    }

    /// Follow a `uoffset` stored at `pos` (relative to `pos`).
    fn follow(&self, what: &'static str, pos: u64) -> Result<u64, TfliteError> {
        let rel = self.u32(what, pos)? as u64;
        let target = pos + rel;
        if target >= self.bytes.len() as u64 {
            return Err(self.oob(what, target, 1));
        }
        Ok(target)
    }

    /// The table whose start is at `pos`.
    fn table(&self, what: &'static str, pos: u64) -> Result<Table<'a>, TfliteError> {
        let soff = self.i32(what, pos)? as i64;
        let vt = pos as i64 - soff;
        if vt < 0 {
            return Err(self.oob(what, 0, 0));
        }
        let vt = vt as u64;
        let vt_len = self.u16(what, vt)? as u64;
        let tbl_len = self.u16(what, vt + 2)? as u64;
        if vt_len < 4 || !vt_len.is_multiple_of(2) {
            return Err(TfliteError::Malformed(format!(
                "{what}: vtable size {vt_len}"
            )));
        }
        self.slice(what, vt, vt_len)?;
        if tbl_len < 4 {
            return Err(TfliteError::Malformed(format!(
                "{what}: table size {tbl_len}"
            )));
        }
        self.slice(what, pos, tbl_len)?;
        Ok(Table {
            buf: *self,
            pos,
            vt,
            fields: (vt_len - 4) / 2,
            len: tbl_len,
            what,
        })
    }

    /// A vector at `pos` of `count` elements of `elem` bytes: its element start.
    fn vector(&self, what: &'static str, pos: u64, elem: u64) -> Result<(u64, usize), TfliteError> {
        let count = self.u32(what, pos)? as u64;
        let start = pos + 4;
        let bytes = count
            .checked_mul(elem)
            .ok_or_else(|| self.oob(what, start, u64::MAX))?;
        self.slice(what, start, bytes)?;
        Ok((start, count as usize))
    }
}

/// One FlatBuffers table: a position and its vtable.
#[derive(Clone, Copy)]
pub(crate) struct Table<'a> {
    buf: Buf<'a>,
    pos: u64,
    vt: u64,
    fields: u64,
    len: u64,
    what: &'static str,
}

impl<'a> Table<'a> {
    /// Position of field `slot`, if present. The field must lie inside the table.
    fn field(&self, slot: u64, size: u64) -> Result<Option<u64>, TfliteError> {
        if slot >= self.fields {
            return Ok(None);
        }
        let off = self.buf.u16(self.what, self.vt + 4 + 2 * slot)? as u64;
        if off == 0 {
            return Ok(None);
        }
        if off + size > self.len {
            return Err(TfliteError::Malformed(format!(
                "{}: field {slot} lies outside its table",
                self.what
            )));
        }
        Ok(Some(self.pos + off))
    }

    /// A `byte`/`ubyte`/`bool` field.
    pub(crate) fn u8(&self, slot: u64, default: u8) -> Result<u8, TfliteError> {
        match self.field(slot, 1)? {
            Some(p) => self.buf.u8(self.what, p),
            None => Ok(default),
        }
    }

    /// An `int` field.
    pub(crate) fn i32(&self, slot: u64, default: i32) -> Result<i32, TfliteError> {
        match self.field(slot, 4)? {
            Some(p) => self.buf.i32(self.what, p),
            None => Ok(default),
        }
    }

    /// A `uint` field.
    pub(crate) fn u32(&self, slot: u64, default: u32) -> Result<u32, TfliteError> {
        match self.field(slot, 4)? {
            Some(p) => self.buf.u32(self.what, p),
            None => Ok(default),
        }
    }

    /// A `ulong` field.
    pub(crate) fn u64(&self, slot: u64, default: u64) -> Result<u64, TfliteError> {
        match self.field(slot, 8)? {
            Some(p) => self.buf.u64(self.what, p),
            None => Ok(default),
        }
    }

    /// `true` if the field is present (for offsets: the referenced object exists).
    pub(crate) fn has(&self, slot: u64) -> Result<bool, TfliteError> {
        Ok(self.field(slot, 1)?.is_some())
    }

    fn target(&self, slot: u64, what: &'static str) -> Result<Option<u64>, TfliteError> {
        match self.field(slot, 4)? {
            Some(p) => Ok(Some(self.buf.follow(what, p)?)),
            None => Ok(None),
        }
    }

    /// A sub-table field.
    pub(crate) fn table(
        &self,
        slot: u64,
        what: &'static str,
    ) -> Result<Option<Table<'a>>, TfliteError> {
        match self.target(slot, what)? {
            Some(p) => Ok(Some(self.buf.table(what, p)?)),
            None => Ok(None),
        }
    }

    /// A `string` field (UTF-8 checked).
    pub(crate) fn string(
        &self,
        slot: u64,
        what: &'static str,
    ) -> Result<Option<String>, TfliteError> {
        match self.target(slot, what)? {
            Some(p) => {
                let (start, n) = self.buf.vector(what, p, 1)?;
                let s = self.buf.slice(what, start, n as u64)?;
                let s = std::str::from_utf8(s)
                    .map_err(|_| TfliteError::Malformed(format!("{what}: string is not UTF-8")))?;
                Ok(Some(s.to_owned()))
            }
            None => Ok(None),
        }
    }

    /// A `[ubyte]` field, borrowed.
    pub(crate) fn bytes(
        &self,
        slot: u64,
        what: &'static str,
    ) -> Result<Option<&'a [u8]>, TfliteError> {
        match self.target(slot, what)? {
            Some(p) => {
                let (start, n) = self.buf.vector(what, p, 1)?;
                Ok(Some(self.buf.slice(what, start, n as u64)?))
            }
            None => Ok(None),
        }
    }

    /// A vector of 4-byte scalars (`[int]`, `[uint]`, `[float]` as bits), at most `max` long.
    pub(crate) fn vec_u32(
        &self,
        slot: u64,
        what: &'static str,
        max: usize,
    ) -> Result<Vec<u32>, TfliteError> {
        let Some(p) = self.target(slot, what)? else {
            return Ok(Vec::new());
        };
        let (start, n) = self.buf.vector(what, p, 4)?;
        limit(what, n, max)?;
        (0..n as u64)
            .map(|i| self.buf.u32(what, start + 4 * i))
            .collect()
    }

    /// A `[int]` vector.
    pub(crate) fn vec_i32(
        &self,
        slot: u64,
        what: &'static str,
        max: usize,
    ) -> Result<Vec<i32>, TfliteError> {
        Ok(self
            .vec_u32(slot, what, max)?
            .into_iter()
            .map(|v| v as i32)
            .collect())
    }

    /// A `[long]` vector.
    pub(crate) fn vec_i64(
        &self,
        slot: u64,
        what: &'static str,
        max: usize,
    ) -> Result<Vec<i64>, TfliteError> {
        let Some(p) = self.target(slot, what)? else {
            return Ok(Vec::new());
        };
        let (start, n) = self.buf.vector(what, p, 8)?;
        limit(what, n, max)?;
        (0..n as u64)
            .map(|i| Ok(self.buf.u64(what, start + 8 * i)? as i64))
            .collect()
    }

    /// A vector of tables, at most `max` long.
    pub(crate) fn vec_tables(
        &self,
        slot: u64,
        what: &'static str,
        max: usize,
    ) -> Result<Vec<Table<'a>>, TfliteError> {
        let Some(p) = self.target(slot, what)? else {
            return Ok(Vec::new());
        };
        let (start, n) = self.buf.vector(what, p, 4)?;
        limit(what, n, max)?;
        (0..n as u64)
            .map(|i| {
                let at = start + 4 * i;
                let t = self.buf.follow(what, at)?;
                self.buf.table(what, t)
            })
            .collect()
    }
}

fn limit(what: &'static str, n: usize, max: usize) -> Result<(), TfliteError> {
    if n > max {
        return Err(TfliteError::Limit {
            what,
            value: n as u64,
            max: max as u64,
        });
    }
    Ok(())
}

/// `OperatorCode`, with the effective builtin code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOpCode {
    /// `max(builtin_code, deprecated_builtin_code)` (schema_utils.cc `GetBuiltinCode`).
    pub builtin: i32,
    /// The custom code, for `CUSTOM` ops.
    pub custom: Option<String>,
    /// Operator version.
    pub version: i32,
}

/// `QuantizationParameters`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawQuant {
    /// Scales.
    pub scale: Vec<f32>,
    /// Zero points.
    pub zero_point: Vec<i64>,
    /// `quantized_dimension`.
    pub quantized_dimension: i32,
    /// `true` if a custom `details` union is present (unsupported).
    pub has_details: bool,
}

/// `Tensor`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTensor {
    /// Dimensions.
    pub shape: Vec<i32>,
    /// `TensorType` code.
    pub dtype: u8,
    /// Buffer index.
    pub buffer: u32,
    /// Name.
    pub name: String,
    /// Quantization, if present.
    pub quant: Option<RawQuant>,
    /// `is_variable`.
    pub is_variable: bool,
    /// `true` if `sparsity` is present.
    pub sparse: bool,
    /// `true` if `external_buffer` is set.
    pub external: bool,
}

/// `Operator`.
#[derive(Clone)]
pub struct RawOperator<'a> {
    /// Index into the operator codes.
    pub opcode_index: u32,
    /// Input tensor indices (`-1` = absent optional input).
    pub inputs: Vec<i32>,
    /// Output tensor indices.
    pub outputs: Vec<i32>,
    /// `BuiltinOptions` union tag (0 = none).
    pub options_type: u8,
    pub(crate) options: Option<Table<'a>>,
}

impl std::fmt::Debug for RawOperator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawOperator")
            .field("opcode_index", &self.opcode_index)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("options_type", &self.options_type)
            .finish()
    }
}

/// The parsed file: the one subgraph and what it references.
#[derive(Debug, Clone)]
pub struct RawModel<'a> {
    /// Schema version.
    pub version: u32,
    /// Operator codes.
    pub opcodes: Vec<RawOpCode>,
    /// Tensors.
    pub tensors: Vec<RawTensor>,
    /// Subgraph inputs.
    pub inputs: Vec<i32>,
    /// Subgraph outputs.
    pub outputs: Vec<i32>,
    /// Operators in file order.
    pub operators: Vec<RawOperator<'a>>,
    /// Buffer data (empty for buffer 0 and for activations).
    pub buffers: Vec<&'a [u8]>,
}

/// Parse the FlatBuffer structure of a `.tflite` file (no semantic checks beyond the format).
pub fn parse(bytes: &[u8]) -> Result<RawModel<'_>, TfliteError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(TfliteError::FileTooLarge {
            len: bytes.len(),
            max: MAX_FILE_BYTES,
        });
    }
    if bytes.len() < 8 {
        return Err(TfliteError::Truncated { len: bytes.len() });
    }
    let found = [bytes[4], bytes[5], bytes[6], bytes[7]];
    if &found != b"TFL3" {
        return Err(TfliteError::BadIdentifier { found });
    }
    let buf = Buf { bytes };
    let root = buf.follow("Model", 0)?;
    let model = buf.table("Model", root)?;
    let version = model.u32(0, 0)?;
    let opcodes = model
        .vec_tables(1, "Model.operator_codes", MAX_BUFFERS)?
        .iter()
        .map(|t| {
            let deprecated = t.u8(0, 0)? as i8 as i32;
            let builtin = t.i32(3, 0)?;
            Ok(RawOpCode {
                builtin: builtin.max(deprecated),
                custom: t.string(1, "OperatorCode.custom_code")?,
                version: t.i32(2, 1)?,
            })
        })
        .collect::<Result<Vec<_>, TfliteError>>()?;
    let subgraphs = model.vec_tables(2, "Model.subgraphs", 1024)?;
    if subgraphs.len() != 1 {
        return Err(TfliteError::SubgraphCount(subgraphs.len()));
    }
    let sg = subgraphs[0];
    let buffers = model
        .vec_tables(4, "Model.buffers", MAX_BUFFERS)?
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let offset = t.u64(1, 0)?;
            let size = t.u64(2, 0)?;
            if offset > 1 || size > 0 {
                return Err(TfliteError::Malformed(format!(
                    "buffer {i} stores its data outside the FlatBuffer (offset/size form), which is not supported"
                )));
            }
            Ok(t.bytes(0, "Buffer.data")?.unwrap_or(&[]))
        })
        .collect::<Result<Vec<_>, TfliteError>>()?;
    let tensors = sg
        .vec_tables(0, "SubGraph.tensors", MAX_TENSORS)?
        .iter()
        .map(read_tensor)
        .collect::<Result<Vec<_>, _>>()?;
    let inputs = sg.vec_i32(1, "SubGraph.inputs", MAX_OP_ARITY)?;
    let outputs = sg.vec_i32(2, "SubGraph.outputs", MAX_OP_ARITY)?;
    let operators = sg
        .vec_tables(3, "SubGraph.operators", MAX_OPERATORS)?
        .iter()
        .map(|t| {
            let options_type = t.u8(3, 0)?;
            let options = t.table(4, "Operator.builtin_options")?;
            if options_type != 0 && options.is_none() {
                return Err(TfliteError::Malformed(
                    "operator has an options type but no options table".into(),
                ));
            }
            Ok(RawOperator {
                opcode_index: t.u32(0, 0)?,
                inputs: t.vec_i32(1, "Operator.inputs", MAX_OP_ARITY)?,
                outputs: t.vec_i32(2, "Operator.outputs", MAX_OP_ARITY)?,
                options_type,
                options,
            })
        })
        .collect::<Result<Vec<_>, TfliteError>>()?;
    Ok(RawModel {
        version,
        opcodes,
        tensors,
        inputs,
        outputs,
        operators,
        buffers,
    })
}

fn read_tensor(t: &Table<'_>) -> Result<RawTensor, TfliteError> {
    let quant = match t.table(4, "Tensor.quantization")? {
        Some(q) => Some(RawQuant {
            scale: q
                .vec_u32(2, "QuantizationParameters.scale", MAX_BUFFERS)?
                .into_iter()
                .map(f32::from_bits)
                .collect(),
            zero_point: q.vec_i64(3, "QuantizationParameters.zero_point", MAX_BUFFERS)?,
            quantized_dimension: q.i32(6, 0)?,
            has_details: q.u8(4, 0)? != 0,
        }),
        None => None,
    };
    Ok(RawTensor {
        shape: t.vec_i32(0, "Tensor.shape", MAX_RANK)?,
        dtype: t.u8(1, 0)?,
        buffer: t.u32(2, 0)?,
        name: t.string(3, "Tensor.name")?.unwrap_or_default(),
        quant,
        is_variable: t.u8(5, 0)? != 0,
        sparse: t.has(6)?,
        external: t.u32(10, 0)? != 0,
    })
}

/// The schema name of a `TensorType` code.
pub fn dtype_name(code: u8) -> &'static str {
    match code {
        0 => "FLOAT32",
        1 => "FLOAT16",
        2 => "INT32",
        3 => "UINT8",
        4 => "INT64",
        5 => "STRING",
        6 => "BOOL",
        7 => "INT16",
        8 => "COMPLEX64",
        9 => "INT8",
        10 => "FLOAT64",
        11 => "COMPLEX128",
        12 => "UINT64",
        13 => "RESOURCE",
        14 => "VARIANT",
        15 => "UINT32",
        16 => "UINT16",
        17 => "INT4",
        18 => "BFLOAT16",
        19 => "INT2",
        _ => "an unknown type",
    }
}

/// The schema name of a builtin operator code (the common ones; others as `BUILTIN_<code>`).
pub fn builtin_name(code: i32) -> String {
    let name = match code {
        0 => "ADD",
        1 => "AVERAGE_POOL_2D",
        2 => "CONCATENATION",
        3 => "CONV_2D",
        4 => "DEPTHWISE_CONV_2D",
        5 => "DEPTH_TO_SPACE",
        6 => "DEQUANTIZE",
        8 => "FLOOR",
        9 => "FULLY_CONNECTED",
        11 => "L2_NORMALIZATION",
        12 => "L2_POOL_2D",
        14 => "LOGISTIC",
        17 => "MAX_POOL_2D",
        18 => "MUL",
        19 => "RELU",
        20 => "RELU_N1_TO_1",
        21 => "RELU6",
        22 => "RESHAPE",
        23 => "RESIZE_BILINEAR",
        25 => "SOFTMAX",
        26 => "SPACE_TO_DEPTH",
        28 => "TANH",
        32 => "CUSTOM",
        34 => "PAD",
        36 => "GATHER",
        39 => "TRANSPOSE",
        40 => "MEAN",
        41 => "SUB",
        42 => "DIV",
        43 => "SQUEEZE",
        45 => "STRIDED_SLICE",
        49 => "SPLIT",
        53 => "CAST",
        54 => "PRELU",
        55 => "MAXIMUM",
        57 => "MINIMUM",
        60 => "PADV2",
        65 => "SLICE",
        67 => "TRANSPOSE_CONV",
        74 => "SUM",
        80 => "REDUCE_MAX",
        98 => "LEAKY_RELU",
        100 => "MIRROR_PAD",
        114 => "QUANTIZE",
        117 => "HARD_SWISH",
        126 => "BATCH_MATMUL",
        150 => "GELU",
        _ => return format!("BUILTIN_{code}"),
    };
    name.to_owned()
}
