//! An in-process EVM (revm) with an in-memory state: deploy contracts and call them.
//!
//! All of revm's API is confined to this file, so that its frequent breaking releases touch one
//! place only. Transactions run with gas price 0 and the base fee 0, so accounts need no
//! balance; the hard fork is pinned (Osaka) so that gas figures do not move
//! when revm's default does.

use alloy_primitives::{address, Address, Bytes};
use revm::context::result::{ExecutionResult, Output};
use revm::context::{Context, ContextTr, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainContext, MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::TxKind;
use revm::{DatabaseRef, ExecuteCommitEvm, ExecuteEvm};

use super::EvmError;

type Inner = MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>;

/// How a transaction ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// Returned normally (`STOP` or `RETURN`).
    Success,
    /// Ended with `REVERT`; the output is the revert data (e.g. an ABI-encoded custom error).
    Revert,
    /// Aborted exceptionally (out of gas, invalid opcode, ...); the text names the reason.
    Halt(String),
}

/// The result of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// How it ended.
    pub status: CallStatus,
    /// Return data (or revert data); empty after a halt.
    pub output: Vec<u8>,
    /// Gas the transaction used, as in its receipt: the 21 000 base cost and the call data
    /// cost included, refunds deducted.
    pub gas_used: u64,
}

impl CallOutcome {
    /// The outcome if the call succeeded; its revert or halt as an error otherwise.
    pub fn into_success(self) -> Result<Self, EvmError> {
        match self.status {
            CallStatus::Success => Ok(self),
            CallStatus::Revert => Err(EvmError::Reverted {
                output: self.output,
                gas_used: self.gas_used,
            }),
            CallStatus::Halt(reason) => Err(EvmError::Halted {
                reason,
                gas_used: self.gas_used,
            }),
        }
    }
}

/// A contract deployed by [`EmbeddedEvm::deploy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The new contract's address.
    pub address: Address,
    /// Gas the creation transaction used (base cost, init code, constructor, code deposit).
    pub gas_used: u64,
}

/// An in-memory EVM chain: every account starts empty, state persists across transactions.
pub struct EmbeddedEvm {
    evm: Inner,
}

impl std::fmt::Debug for EmbeddedEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedEvm")
            .field("spec", &Self::SPEC)
            .finish_non_exhaustive()
    }
}

impl Default for EmbeddedEvm {
    fn default() -> Self {
        Self::new()
    }
}

impl EmbeddedEvm {
    /// The hard fork the EVM runs (Osaka, mainnet's current one). The BN254 precompiles have
    /// had the same prices since Istanbul (EIP-1108). Private: revm's types stay in this file.
    const SPEC: SpecId = SpecId::OSAKA;

    /// The sender of transactions that do not name one.
    pub const DEFAULT_CALLER: Address = address!("0x00000000000000000000000000000000000a11ce");

    /// A fresh chain with no accounts (chain id 1).
    pub fn new() -> Self {
        let evm = Context::mainnet()
            .modify_cfg_chained(|cfg| cfg.set_spec_and_mainnet_gas_params(Self::SPEC))
            .with_db(CacheDB::<EmptyDB>::default())
            .build_mainnet();
        Self { evm }
    }

    /// Deploys `init_code` (creation code followed by ABI-encoded constructor arguments) from
    /// [`Self::DEFAULT_CALLER`]. A reverting constructor gives [`EvmError::Reverted`] with its
    /// revert data.
    pub fn deploy(&mut self, init_code: &[u8]) -> Result<Deployment, EvmError> {
        self.deploy_from(Self::DEFAULT_CALLER, init_code)
    }

    /// Deploys `init_code` from `from` (the contract's `msg.sender` in its constructor).
    pub fn deploy_from(&mut self, from: Address, init_code: &[u8]) -> Result<Deployment, EvmError> {
        let tx = self.tx(from, TxKind::Create, init_code)?;
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| EvmError::Transaction(e.to_string()))?;
        let gas_used = result.tx_gas_used();
        match result {
            ExecutionResult::Success {
                output: Output::Create(_, Some(address)),
                ..
            } => Ok(Deployment { address, gas_used }),
            ExecutionResult::Success { .. } => Err(EvmError::Transaction(
                "creation succeeded without an address".into(),
            )),
            ExecutionResult::Revert { output, .. } => Err(EvmError::Reverted {
                output: output.to_vec(),
                gas_used,
            }),
            ExecutionResult::Halt { reason, .. } => Err(EvmError::Halted {
                reason: format!("{reason:?}"),
                gas_used,
            }),
        }
    }

    /// Sends a transaction calling `to` with `data` from [`Self::DEFAULT_CALLER`]; its state
    /// changes are kept (unless it reverts).
    pub fn call(&mut self, to: Address, data: &[u8]) -> Result<CallOutcome, EvmError> {
        self.call_from(Self::DEFAULT_CALLER, to, data)
    }

    /// Like [`Self::call`], from `from` (the callee's `msg.sender`).
    pub fn call_from(
        &mut self,
        from: Address,
        to: Address,
        data: &[u8],
    ) -> Result<CallOutcome, EvmError> {
        let tx = self.tx(from, TxKind::Call(to), data)?;
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| EvmError::Transaction(e.to_string()))?;
        Ok(outcome(result))
    }

    /// Runs a call from [`Self::DEFAULT_CALLER`] and discards its state changes (like
    /// `eth_call`); the gas figure is what the same call would use as a transaction.
    pub fn view(&mut self, to: Address, data: &[u8]) -> Result<CallOutcome, EvmError> {
        self.view_from(Self::DEFAULT_CALLER, to, data)
    }

    /// Like [`Self::view`], from `from` (the callee's `msg.sender`).
    pub fn view_from(
        &mut self,
        from: Address,
        to: Address,
        data: &[u8],
    ) -> Result<CallOutcome, EvmError> {
        let tx = self.tx(from, TxKind::Call(to), data)?;
        // `transact` finalizes the journal into a state diff that we drop instead of committing.
        let result = self
            .evm
            .transact(tx)
            .map_err(|e| EvmError::Transaction(e.to_string()))?;
        Ok(outcome(result.result))
    }

    /// The runtime code stored at `address` (empty for an account without code).
    pub fn code(&self, address: Address) -> Result<Vec<u8>, EvmError> {
        let db = self.evm.ctx.db();
        let info = db
            .basic_ref(address)
            .map_err(|e| EvmError::Transaction(e.to_string()))?;
        let Some(info) = info else {
            return Ok(Vec::new());
        };
        let code = match info.code {
            Some(code) => code,
            None => db
                .code_by_hash_ref(info.code_hash)
                .map_err(|e| EvmError::Transaction(e.to_string()))?,
        };
        Ok(code.original_bytes().to_vec())
    }

    /// A transaction from `from`, with the sender's current nonce (which revm checks).
    fn tx(&self, from: Address, kind: TxKind, data: &[u8]) -> Result<TxEnv, EvmError> {
        let nonce = self
            .evm
            .ctx
            .db()
            .basic_ref(from)
            .map_err(|e| EvmError::Transaction(e.to_string()))?
            .map_or(0, |info| info.nonce);
        TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(Bytes::copy_from_slice(data))
            .nonce(nonce)
            .build()
            .map_err(|e| EvmError::Transaction(format!("{e:?}")))
    }
}

/// Our view of revm's result.
fn outcome(result: ExecutionResult) -> CallOutcome {
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { output, .. } => CallOutcome {
            status: CallStatus::Success,
            output: output.into_data().to_vec(),
            gas_used,
        },
        ExecutionResult::Revert { output, .. } => CallOutcome {
            status: CallStatus::Revert,
            output: output.to_vec(),
            gas_used,
        },
        ExecutionResult::Halt { reason, .. } => CallOutcome {
            status: CallStatus::Halt(format!("{reason:?}")),
            output: Vec::new(),
            gas_used,
        },
    }
}
