//! The end-to-end tests, one module per scenario, in one test binary: libtest runs them side by
//! side (each starts its own nodes on free ports, with `--no-mdns`, so they never meet), which
//! overlaps their waits on 6-second blocks, and the big debug binary is linked once, not once per
//! scenario. Run one scenario with `cargo test --workspace --test e2e governance::`: `--workspace`
//! keeps the workspace's feature set, so the build `scripts/test.sh` made is reused (with `-p
//! attesta-e2e` Cargo resolves features for this crate alone and rebuilds most dependencies).

mod audits;
mod client;
mod client_failover;
mod dev_chain;
mod faults;
mod gateway;
mod governance;
mod market;
mod polkadot_js;
mod provider_worker;
