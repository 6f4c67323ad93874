//! `Engine`: one upload, its command channel, and at most one run at a time.
//!
//! `start()` and `abort()` begin a run when none is going (and return its promise) or
//! forward the command to the running one (and return `undefined`); `pause()` only ever
//! forwards. The upload is parked between runs so that a failed upload can be started again
//! from the server's offset.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::options;
use crate::core::{Millis, Upload};
use crate::driver::{self, Command};
use crate::web::{error_to_js, OnlineWatch, WebIo};

struct Job {
    upload: Upload,
    io: WebIo,
    commands: UnboundedReceiver<Command>,
}

#[wasm_bindgen]
pub struct Engine {
    /// The parked job; `None` while a run owns it.
    parked: Rc<RefCell<Option<Job>>>,
    sender: UnboundedSender<Command>,
}

#[wasm_bindgen]
impl Engine {
    /// Validates `options` and prepares the upload. Throws a plain error object
    /// `{ kind, code, message }` on invalid options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, on_event: Function) -> Result<Engine, JsValue> {
        let parsed = options::parse(&options).map_err(|e| error_to_js(&e))?;
        let now = Millis(js_sys::Date::now() as u64);
        let upload = Upload::new(parsed.config, parsed.source, now).map_err(|e| error_to_js(&e))?;
        let io = WebIo { file: parsed.file, headers: parsed.headers, on_event };
        let (sender, commands) = unbounded();
        let job = Job { upload, io, commands };
        Ok(Engine { parked: Rc::new(RefCell::new(Some(job))), sender })
    }

    /// Starts or resumes. Returns the run's promise if this began a run.
    pub fn start(&self) -> Option<Promise> {
        self.begin_or_forward(Command::Start)
    }

    /// Pauses the running upload (no-op otherwise).
    pub fn pause(&self) {
        if self.parked.borrow().is_none() {
            let _ = self.sender.unbounded_send(Command::Pause);
        }
    }

    /// Aborts, optionally terminating the upload on the server.
    pub fn abort(&self, terminate: bool) -> Option<Promise> {
        self.begin_or_forward(Command::Abort { terminate })
    }

    fn begin_or_forward(&self, command: Command) -> Option<Promise> {
        let Some(mut job) = self.parked.borrow_mut().take() else {
            let _ = self.sender.unbounded_send(command);
            return None;
        };
        // Commands sent while no run was going are stale.
        while job.commands.try_recv().is_ok() {}
        let parked = Rc::clone(&self.parked);
        let sender = self.sender.clone();
        Some(future_to_promise(async move {
            // Listens only while the run lives; a run reads navigator.onLine when it starts.
            let watch = OnlineWatch::new(move |online| {
                let _ = sender.unbounded_send(Command::Online(online));
            });
            let result = driver::run(&job.io, &mut job.upload, &mut job.commands, command).await;
            drop(watch);
            let total = job.upload.bytes_total();
            *parked.borrow_mut() = Some(job);
            match result {
                Ok(url) => {
                    let obj = Object::new();
                    let _ = Reflect::set(&obj, &"uploadUrl".into(), &url.into());
                    let _ = Reflect::set(&obj, &"bytesTotal".into(), &JsValue::from_f64(total as f64));
                    Ok(obj.into())
                }
                Err(error) => Err(error_to_js(&error)),
            }
        }))
    }
}
