//! A small Ethereum JSON-RPC client: what the registry flows need (chain id, reads, gas, sending,
//! receipts), over any [`RpcTransport`] (HTTP here; a phone passes its host app's networking).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alloy_primitives::{keccak256, Address, B256, U256};
use serde_json::{json, Value};

use super::calls::TxRequest;
use super::revert::Revert;
use super::signer::{Eip1559Transaction, LocalSigner};
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

/// A JSON hex quantity (`"0x1a"`) as U256.
fn quantity(method: &str, v: &Value) -> Result<U256, RpcError> {
    let s = v
        .as_str()
        .ok_or_else(|| malformed(method, format!("expected a hex quantity, got {v}")))?;
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| malformed(method, format!("{s} lacks 0x")))?;
    U256::from_str_radix(if digits.is_empty() { "0" } else { digits }, 16)
        .map_err(|e| malformed(method, format!("{s}: {e}")))
}

fn quantity_u64(method: &str, v: &Value) -> Result<u64, RpcError> {
    u64::try_from(quantity(method, v)?).map_err(|_| malformed(method, format!("{v} overflows u64")))
}

fn quantity_u128(method: &str, v: &Value) -> Result<u128, RpcError> {
    u128::try_from(quantity(method, v)?)
        .map_err(|_| malformed(method, format!("{v} overflows u128")))
}

/// JSON hex data (`"0x..."`) as bytes.
fn data(method: &str, v: &Value) -> Result<Vec<u8>, RpcError> {
    let s = v
        .as_str()
        .ok_or_else(|| malformed(method, format!("expected hex data, got {v}")))?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|e| malformed(method, e.to_string()))
}

fn b256(method: &str, v: &Value) -> Result<B256, RpcError> {
    let bytes = data(method, v)?;
    (bytes.len() == 32)
        .then(|| B256::from_slice(&bytes))
        .ok_or_else(|| malformed(method, format!("expected 32 bytes, got {}", bytes.len())))
}

fn address(method: &str, v: &Value) -> Result<Address, RpcError> {
    let bytes = data(method, v)?;
    (bytes.len() == 20)
        .then(|| Address::from_slice(&bytes))
        .ok_or_else(|| malformed(method, format!("expected 20 bytes, got {}", bytes.len())))
}

/// A JSON-RPC error object that carries revert data (geth, anvil, most providers: code 3 or
/// -32000 with `data` the revert bytes), as a [`Revert`].
fn revert_of(error: &Value) -> Option<Revert> {
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    let data = match error.get("data") {
        Some(Value::String(s)) => Some(s.as_str()),
        // Some nodes nest it: {"data": {"data": "0x..."}}.
        Some(Value::Object(o)) => o.get("data").and_then(Value::as_str),
        _ => None,
    };
    match data.and_then(|s| hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()) {
        Some(bytes) => Some(Revert::decode(&bytes)),
        None if message.contains("revert") => Some(Revert::Empty),
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
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let text = self.transport.send(&body.to_string())?;
        let mut response: Value =
            serde_json::from_str(&text).map_err(|e| malformed(method, e.to_string()))?;
        if let Some(error) = response.get("error") {
            if let Some(revert) = revert_of(error) {
                return Err(RegistryError::Reverted(revert));
            }
            return Err(RpcError::Node {
                method: method.into(),
                code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .into(),
            }
            .into());
        }
        if response.get("id") != Some(&json!(id)) {
            return Err(malformed(method, "response id does not match").into());
        }
        response
            .get_mut("result")
            .map(Value::take)
            .ok_or_else(|| malformed(method, "no result").into())
    }

    /// `eth_chainId`.
    pub fn chain_id(&self) -> Result<u64, RegistryError> {
        Ok(quantity_u64(
            "eth_chainId",
            &self.request("eth_chainId", json!([]))?,
        )?)
    }

    /// `eth_getTransactionCount(address, "pending")`: the next account nonce.
    pub fn transaction_count(&self, account: Address) -> Result<u64, RegistryError> {
        let m = "eth_getTransactionCount";
        Ok(quantity_u64(
            m,
            &self.request(m, json!([hex_bytes(account.as_slice()), "pending"]))?,
        )?)
    }

    /// `eth_getCode(address, "latest")`.
    pub fn code(&self, account: Address) -> Result<Vec<u8>, RegistryError> {
        let m = "eth_getCode";
        Ok(data(
            m,
            &self.request(m, json!([hex_bytes(account.as_slice()), "latest"]))?,
        )?)
    }

    /// `eth_gasPrice`.
    pub fn gas_price(&self) -> Result<u128, RegistryError> {
        let m = "eth_gasPrice";
        Ok(quantity_u128(m, &self.request(m, json!([]))?)?)
    }

    /// `eth_maxPriorityFeePerGas`.
    pub fn max_priority_fee(&self) -> Result<u128, RegistryError> {
        let m = "eth_maxPriorityFeePerGas";
        Ok(quantity_u128(m, &self.request(m, json!([]))?)?)
    }

    /// `eth_call` of `tx` from `from` at the latest block; a revert is
    /// [`RegistryError::Reverted`] with the decoded reason.
    pub fn call(&self, from: Option<Address>, tx: &TxRequest) -> Result<Vec<u8>, RegistryError> {
        let m = "eth_call";
        Ok(data(
            m,
            &self.request(m, json!([tx.to_eip1193(from), "latest"]))?,
        )?)
    }

    /// `eth_estimateGas` of `tx` from `from`; a revert is [`RegistryError::Reverted`].
    pub fn estimate_gas(&self, from: Address, tx: &TxRequest) -> Result<u64, RegistryError> {
        let m = "eth_estimateGas";
        Ok(quantity_u64(
            m,
            &self.request(m, json!([tx.to_eip1193(Some(from))]))?,
        )?)
    }

    /// `eth_sendTransaction` (the node or an EIP-1193 wallet signs for `from`); returns the hash.
    pub fn send_transaction(&self, from: Address, tx: &TxRequest) -> Result<B256, RegistryError> {
        let m = "eth_sendTransaction";
        Ok(b256(
            m,
            &self.request(m, json!([tx.to_eip1193(Some(from))]))?,
        )?)
    }

    /// `eth_sendRawTransaction`; returns the hash.
    pub fn send_raw_transaction(&self, raw: &[u8]) -> Result<B256, RegistryError> {
        let m = "eth_sendRawTransaction";
        Ok(b256(m, &self.request(m, json!([hex_bytes(raw)]))?)?)
    }

    /// `eth_getTransactionReceipt`; `None` while the transaction is pending.
    pub fn receipt(&self, hash: B256) -> Result<Option<Receipt>, RegistryError> {
        let m = "eth_getTransactionReceipt";
        let v = self.request(m, json!([hex_bytes(hash.as_slice())]))?;
        if v.is_null() {
            return Ok(None);
        }
        let field = |name: &str| {
            v.get(name)
                .ok_or_else(|| malformed(m, format!("receipt lacks {name}")))
        };
        let contract_address = match v.get("contractAddress") {
            None | Some(Value::Null) => None,
            Some(a) => Some(address(m, a)?),
        };
        let logs = field("logs")?
            .as_array()
            .ok_or_else(|| malformed(m, "logs is not an array"))?
            .iter()
            .map(|log| {
                let get = |name: &str| {
                    log.get(name)
                        .ok_or_else(|| malformed(m, format!("log lacks {name}")))
                };
                Ok(Log {
                    address: address(m, get("address")?)?,
                    topics: get("topics")?
                        .as_array()
                        .ok_or_else(|| malformed(m, "topics is not an array"))?
                        .iter()
                        .map(|t| b256(m, t))
                        .collect::<Result<_, _>>()?,
                    data: data(m, get("data")?)?,
                })
            })
            .collect::<Result<_, RpcError>>()?;
        Ok(Some(Receipt {
            transaction_hash: b256(m, field("transactionHash")?)?,
            status: quantity(m, field("status")?)? == U256::from(1u8),
            gas_used: quantity_u64(m, field("gasUsed")?)?,
            block_number: quantity_u64(m, field("blockNumber")?)?,
            contract_address,
            logs,
        }))
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
        let m = "eth_estimateGas";
        let estimate = json!([{"from": hex_bytes(signer.address().as_slice()), "data": hex_bytes(&init_code)}]);
        let gas = quantity_u64(m, &self.request(m, estimate)?)?;
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
        let tx = Eip1559Transaction {
            chain_id: self.chain_id()?,
            nonce: self.transaction_count(signer.address())?,
            max_priority_fee_per_gas: tip,
            max_fee_per_gas: max_fee,
            // Estimates are exact for the state they ran on; leave room for state changes.
            gas_limit: gas.saturating_add(gas / 5),
            to,
            value,
            input,
        };
        let raw = signer.sign_transaction(&tx)?;
        let hash = self.send_raw_transaction(&raw)?;
        if hash != keccak256(&raw) {
            return Err(malformed("eth_sendRawTransaction", "node returned another hash").into());
        }
        self.wait_for_receipt(hash)
    }
}
