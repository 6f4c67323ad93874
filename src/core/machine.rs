//! What a driver can run: one upload ([`Upload`]) or several parts of one file uploaded at
//! once ([`Parallel`]). Both are sans-IO state machines with the same inputs and outputs;
//! this trait lets the driver run either without knowing which.

use super::error::Error;
use super::http::{RequestId, Response, TransportError};
use super::parallel::Parallel;
use super::time::Millis;
use super::upload::{Output, Upload};

pub trait Machine {
    fn start(&mut self, now: Millis);
    fn pause(&mut self, now: Millis);
    fn abort(&mut self, terminate: bool, now: Millis);
    fn handle_response(&mut self, id: RequestId, res: Response, now: Millis);
    fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis);
    fn handle_timeout(&mut self, now: Millis);
    fn handle_online(&mut self, online: bool, now: Millis);
    fn poll_output(&mut self) -> Output;
    fn outcome(&self) -> Option<Result<String, Error>>;
    fn bytes_total(&self) -> u64;
}

macro_rules! delegate {
    ($t:ty) => {
        impl Machine for $t {
            fn start(&mut self, now: Millis) {
                <$t>::start(self, now)
            }
            fn pause(&mut self, now: Millis) {
                <$t>::pause(self, now)
            }
            fn abort(&mut self, terminate: bool, now: Millis) {
                <$t>::abort(self, terminate, now)
            }
            fn handle_response(&mut self, id: RequestId, res: Response, now: Millis) {
                <$t>::handle_response(self, id, res, now)
            }
            fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis) {
                <$t>::handle_failure(self, id, err, now)
            }
            fn handle_timeout(&mut self, now: Millis) {
                <$t>::handle_timeout(self, now)
            }
            fn handle_online(&mut self, online: bool, now: Millis) {
                <$t>::handle_online(self, online, now)
            }
            fn poll_output(&mut self) -> Output {
                <$t>::poll_output(self)
            }
            fn outcome(&self) -> Option<Result<String, Error>> {
                <$t>::outcome(self)
            }
            fn bytes_total(&self) -> u64 {
                <$t>::bytes_total(self)
            }
        }
    };
}

delegate!(Upload);
delegate!(Parallel);
