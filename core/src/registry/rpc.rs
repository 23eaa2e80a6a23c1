//! A small Ethereum JSON-RPC client: what the registry flows need (chain id, reads, gas, sending,
//! receipts), over any [`RpcTransport`] (HTTP here; a phone passes its host app's networking).
//!
//! The envelopes are alloy's (`alloy-json-rpc`'s `Request` and `Response`), results decode into
//! alloy's types (`U64`, `Bytes`, `B256`, `alloy_primitives::Log`). What stays ours, and why:
//! - the transport: `alloy-provider` and `alloy-transport-http` are async (tokio, reqwest); the
//!   CLI is synchronous and a phone's transport is its host app's, so a blocking
//!   [`RpcTransport`] (one method, a body in, a body out) is all that is needed;
//! - the handful of calls below, with typed errors ([`RegistryError::Reverted`] with the
//!   registry's custom error decoded, [`RpcError::Malformed`] naming the method);
//! - the receipt's fields (see `ReceiptFields`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alloy_consensus::TxEip1559;
use alloy_json_rpc::{ErrorPayload, Id, Request, Response, ResponsePayload};
use alloy_primitives::{keccak256, Address, Bytes, TxKind, B256, U128, U256, U64};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::calls::TxRequest;
use super::revert::Revert;
use super::signer::LocalSigner;
use super::RegistryError;

/// Errors of the JSON-RPC layer.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The request did not reach the node or its answer did not come back.
    #[error("transport: {0}")]
    Transport(String),
    /// The answer is not a JSON-RPC response or its result has an unexpected shape.
    #[error("malformed response to {method}: {detail}")]
    Malformed {
        /// The method called.
        method: String,
        /// What was wrong.
        detail: String,
    },
    /// The node answered with a JSON-RPC error (reverts are [`RegistryError::Reverted`]).
    #[error("{method}: node error {code}: {message}")]
    Node {
        /// The method called.
        method: String,
        /// JSON-RPC error code.
        code: i64,
        /// Its message.
        message: String,
    },
}

/// Carries one JSON-RPC request body to a node and returns the response body.
pub trait RpcTransport {
    /// Sends `body` (a JSON-RPC request) and returns the raw response body.
    fn send(&self, body: &str) -> Result<String, RpcError>;
}

/// JSON-RPC over HTTP(S) with `ureq` (CLI, desktop, tests).
#[cfg(feature = "http-fetcher")]
pub struct HttpTransport {
    agent: ureq::Agent,
    url: String,
}

#[cfg(feature = "http-fetcher")]
impl HttpTransport {
    /// A transport to `url` whose requests time out after `timeout`.
    pub fn new(url: impl Into<String>, timeout: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // Some providers answer JSON-RPC errors (reverts included) with HTTP 4xx/5xx: read
            // the body whatever the status.
            .http_status_as_error(false)
            .build();
        Self {
            agent: ureq::Agent::new_with_config(config),
            url: url.into(),
        }
    }
}

#[cfg(feature = "http-fetcher")]
impl RpcTransport for HttpTransport {
    fn send(&self, body: &str) -> Result<String, RpcError> {
        let response = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body)
            .map_err(|e| RpcError::Transport(e.to_string()))?;
        response
            .into_body()
            .read_to_string()
            .map_err(|e| RpcError::Transport(e.to_string()))
    }
}

/// A transaction receipt (the fields the flows read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction's hash.
    pub transaction_hash: B256,
    /// True if it succeeded.
    pub status: bool,
    /// Gas it used.
    pub gas_used: u64,
    /// The block it is in.
    pub block_number: u64,
    /// The created contract, for a creation.
    pub contract_address: Option<Address>,
    /// Its logs, in order.
    pub logs: Vec<Log>,
}

/// An event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log {
    /// The emitting contract.
    pub address: Address,
    /// Topics (`topics[0]` is the event's signature hash).
    pub topics: Vec<B256>,
    /// Non-indexed data.
    pub data: Vec<u8>,
}

/// A JSON-RPC client over a transport.
pub struct RpcClient<T> {
    transport: T,
    next_id: AtomicU64,
    /// How long [`RpcClient::wait_for_receipt`] waits.
    pub receipt_timeout: Duration,
    /// How often it polls.
    pub poll_interval: Duration,
}

impl<T> std::fmt::Debug for RpcClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcClient").finish_non_exhaustive()
    }
}

/// `0x`-prefixed lower-case hex of bytes.
fn hex_bytes(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn malformed(method: &str, detail: impl Into<String>) -> RpcError {
    RpcError::Malformed {
        method: method.into(),
        detail: detail.into(),
    }
}

/// A JSON-RPC result as alloy's type for it (hex quantities as `U64`/`U128`, data as `Bytes`,
/// hashes as `B256`): a wrong shape, width or length is [`RpcError::Malformed`].
fn decode<R: DeserializeOwned>(method: &str, v: Value) -> Result<R, RpcError> {
    serde_json::from_value(v).map_err(|e| malformed(method, e.to_string()))
}

/// The fields of a receipt the flows read. Ours rather than alloy's `TransactionReceipt`, which
/// insists on a known transaction type and every field of a mainnet receipt: this one takes the
/// receipts of any chain (L2 deposit types included) as long as these fields are well formed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReceiptFields {
    transaction_hash: B256,
    status: U64,
    gas_used: U64,
    block_number: U64,
    #[serde(default)]
    contract_address: Option<Address>,
    logs: Vec<alloy_primitives::Log>,
}

impl From<ReceiptFields> for Receipt {
    fn from(r: ReceiptFields) -> Self {
        Self {
            transaction_hash: r.transaction_hash,
            status: r.status == U64::from(1u8),
            gas_used: r.gas_used.to(),
            block_number: r.block_number.to(),
            contract_address: r.contract_address,
            logs: r
                .logs
                .into_iter()
                .map(|log| Log {
                    address: log.address,
                    topics: log.data.topics().to_vec(),
                    data: log.data.data.to_vec(),
                })
                .collect(),
        }
    }
}

/// A JSON-RPC error object that carries revert data (geth, anvil, most providers: code 3 or
/// -32000 with `data` the revert bytes), as a [`Revert`].
fn revert_of(error: &ErrorPayload<Value>) -> Option<Revert> {
    let data = match &error.data {
        Some(Value::String(s)) => Some(s.as_str()),
        // Some nodes nest it: {"data": {"data": "0x..."}}.
        Some(Value::Object(o)) => o.get("data").and_then(Value::as_str),
        _ => None,
    };
    match data.and_then(|s| hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()) {
        Some(bytes) => Some(Revert::decode(&bytes)),
        None if error.message.contains("revert") => Some(Revert::Empty),
        None => None,
    }
}

impl<T: RpcTransport> RpcClient<T> {
    /// A client over `transport`; receipts are awaited up to 60 s, polled every 100 ms.
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            next_id: AtomicU64::new(1),
            receipt_timeout: Duration::from_secs(60),
            poll_interval: Duration::from_millis(100),
        }
    }

    /// Calls `method` with `params`; a JSON-RPC error that carries revert data becomes
    /// [`RegistryError::Reverted`].
    pub fn request(&self, method: &str, params: Value) -> Result<Value, RegistryError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let request = Request::new(method.to_owned(), Id::Number(id), params);
        let body = serde_json::to_string(&request).map_err(|e| malformed(method, e.to_string()))?;
        let text = self.transport.send(&body)?;
        let response: Response<Value, Value> =
            serde_json::from_str(&text).map_err(|e| malformed(method, e.to_string()))?;
        match response.payload {
            ResponsePayload::Failure(error) => {
                if let Some(revert) = revert_of(&error) {
                    return Err(RegistryError::Reverted(revert));
                }
                Err(RpcError::Node {
                    method: method.into(),
                    code: error.code,
                    message: error.message.into_owned(),
                }
                .into())
            }
            ResponsePayload::Success(_) if response.id != Id::Number(id) => {
                Err(malformed(method, "response id does not match").into())
            }
            ResponsePayload::Success(result) => Ok(result),
        }
    }

    /// Calls `method` with `params` and decodes its result as alloy's type `R`.
    fn typed<R: DeserializeOwned>(&self, method: &str, params: Value) -> Result<R, RegistryError> {
        Ok(decode(method, self.request(method, params)?)?)
    }

    /// `eth_chainId`.
    pub fn chain_id(&self) -> Result<u64, RegistryError> {
        Ok(self.typed::<U64>("eth_chainId", json!([]))?.to())
    }

    /// `eth_getTransactionCount(address, "pending")`: the next account nonce.
    pub fn transaction_count(&self, account: Address) -> Result<u64, RegistryError> {
        let params = json!([account, "pending"]);
        Ok(self.typed::<U64>("eth_getTransactionCount", params)?.to())
    }

    /// `eth_getCode(address, "latest")`.
    pub fn code(&self, account: Address) -> Result<Vec<u8>, RegistryError> {
        let params = json!([account, "latest"]);
        Ok(self.typed::<Bytes>("eth_getCode", params)?.into())
    }

    /// `eth_gasPrice`.
    pub fn gas_price(&self) -> Result<u128, RegistryError> {
        Ok(self.typed::<U128>("eth_gasPrice", json!([]))?.to())
    }

    /// `eth_maxPriorityFeePerGas`.
    pub fn max_priority_fee(&self) -> Result<u128, RegistryError> {
        Ok(self
            .typed::<U128>("eth_maxPriorityFeePerGas", json!([]))?
            .to())
    }

    /// `eth_call` of `tx` from `from` at the latest block; a revert is
    /// [`RegistryError::Reverted`] with the decoded reason.
    pub fn call(&self, from: Option<Address>, tx: &TxRequest) -> Result<Vec<u8>, RegistryError> {
        let params = json!([tx.to_eip1193(from), "latest"]);
        Ok(self.typed::<Bytes>("eth_call", params)?.into())
    }

    /// `eth_estimateGas` of `tx` from `from`; a revert is [`RegistryError::Reverted`].
    pub fn estimate_gas(&self, from: Address, tx: &TxRequest) -> Result<u64, RegistryError> {
        let params = json!([tx.to_eip1193(Some(from))]);
        Ok(self.typed::<U64>("eth_estimateGas", params)?.to())
    }

    /// `eth_sendTransaction` (the node or an EIP-1193 wallet signs for `from`); returns the hash.
    pub fn send_transaction(&self, from: Address, tx: &TxRequest) -> Result<B256, RegistryError> {
        self.typed("eth_sendTransaction", json!([tx.to_eip1193(Some(from))]))
    }

    /// `eth_sendRawTransaction`; returns the hash.
    pub fn send_raw_transaction(&self, raw: &[u8]) -> Result<B256, RegistryError> {
        self.typed("eth_sendRawTransaction", json!([hex_bytes(raw)]))
    }

    /// `eth_getTransactionReceipt`; `None` while the transaction is pending.
    pub fn receipt(&self, hash: B256) -> Result<Option<Receipt>, RegistryError> {
        let fields: Option<ReceiptFields> =
            self.typed("eth_getTransactionReceipt", json!([hash]))?;
        Ok(fields.map(Receipt::from))
    }

    /// Polls for the receipt of `hash` (up to [`Self::receipt_timeout`]); a mined but failed
    /// transaction is [`RegistryError::TransactionFailed`].
    pub fn wait_for_receipt(&self, hash: B256) -> Result<Receipt, RegistryError> {
        let start = Instant::now();
        loop {
            if let Some(receipt) = self.receipt(hash)? {
                if !receipt.status {
                    return Err(RegistryError::TransactionFailed {
                        hash,
                        gas_used: receipt.gas_used,
                    });
                }
                return Ok(receipt);
            }
            if start.elapsed() >= self.receipt_timeout {
                return Err(RegistryError::NotMined(hash));
            }
            std::thread::sleep(self.poll_interval);
        }
    }

    /// Signs `tx` locally as an EIP-1559 transaction, sends it and waits for its receipt.
    ///
    /// Gas is estimated first, so a call that would revert fails here with the decoded reason
    /// ([`RegistryError::Reverted`]) without spending anything.
    pub fn send_signed(
        &self,
        signer: &LocalSigner,
        tx: &TxRequest,
    ) -> Result<Receipt, RegistryError> {
        let gas = self.estimate_gas(signer.address(), tx)?;
        self.sign_and_send(signer, Some(tx.to), tx.value, tx.data.clone(), gas)
    }

    /// Deploys `init_code` (creation code and constructor arguments) from `signer` and returns
    /// the receipt, whose `contract_address` is the new contract.
    pub fn deploy_signed(
        &self,
        signer: &LocalSigner,
        init_code: Vec<u8>,
    ) -> Result<Receipt, RegistryError> {
        let estimate = json!([{"from": signer.address(), "data": hex_bytes(&init_code)}]);
        let gas = self.typed::<U64>("eth_estimateGas", estimate)?.to();
        let receipt = self.sign_and_send(signer, None, U256::ZERO, init_code, gas)?;
        if receipt.contract_address.is_none() {
            return Err(malformed("eth_getTransactionReceipt", "no contractAddress").into());
        }
        Ok(receipt)
    }

    fn sign_and_send(
        &self,
        signer: &LocalSigner,
        to: Option<Address>,
        value: U256,
        input: Vec<u8>,
        gas: u64,
    ) -> Result<Receipt, RegistryError> {
        let gas_price = self.gas_price()?;
        // A cap of twice the current price rides out a few blocks of base-fee increases.
        let max_fee = gas_price.saturating_mul(2);
        let tip = self.max_priority_fee()?.min(max_fee);
        let tx = TxEip1559 {
            chain_id: self.chain_id()?,
            nonce: self.transaction_count(signer.address())?,
            max_priority_fee_per_gas: tip,
            max_fee_per_gas: max_fee,
            // Estimates are exact for the state they ran on; leave room for state changes.
            gas_limit: gas.saturating_add(gas / 5),
            to: to.map_or(TxKind::Create, TxKind::Call),
            value,
            input: input.into(),
            access_list: Default::default(),
        };
        let raw = signer.sign_transaction(&tx)?;
        let hash = self.send_raw_transaction(&raw)?;
        if hash != keccak256(&raw) {
            return Err(malformed("eth_sendRawTransaction", "node returned another hash").into());
        }
        self.wait_for_receipt(hash)
    }
}
