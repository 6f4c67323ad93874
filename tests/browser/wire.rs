// The wire shapes of engine events and errors, as JSON: what the TypeScript layer reads
// (js/src/engine.ts). Included inside `mod wire` by tests/browser.rs.

use ferry_upload::core::{Code, Error, ErrorKind, Event, State};
use ferry_upload::web::{error_to_js, event_to_js, result_to_js, warning_to_js};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

fn json(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn events_cross_in_their_documented_shapes() {
    let reason = Error::network("connection reset");
    let mut refused = Error::new(ErrorKind::Rejected, Code::HttpStatus, "the server answered 500");
    refused.status = Some(500);
    let cases = [
        (Event::State(State::Uploading), r#"{"type":"state","state":"uploading"}"#),
        (
            Event::Progress { confirmed: 10, total: Some(9_007_199_254_740_991), bytes_per_sec: 0, eta_secs: None },
            r#"{"type":"progress","bytesConfirmed":10,"bytesTotal":9007199254740991,"bytesPerSecond":0,"etaSeconds":null}"#,
        ),
        (
            Event::Progress { confirmed: 10, total: Some(20), bytes_per_sec: 5, eta_secs: Some(2) },
            r#"{"type":"progress","bytesConfirmed":10,"bytesTotal":20,"bytesPerSecond":5,"etaSeconds":2}"#,
        ),
        (
            Event::Progress { confirmed: 10, total: None, bytes_per_sec: 5, eta_secs: None },
            r#"{"type":"progress","bytesConfirmed":10,"bytesTotal":null,"bytesPerSecond":5,"etaSeconds":null}"#,
        ),
        (Event::Created { url: "http://h/files/1".into() }, r#"{"type":"created","url":"http://h/files/1"}"#),
        (
            Event::Reconnecting { attempt: 2, delay_ms: 750, reason: reason.clone() },
            r#"{"type":"reconnecting","attempt":2,"retryIn":750,"reason":{"kind":"network","code":"network_error","message":"connection reset"}}"#,
        ),
        (
            Event::Restarted { reason: reason.clone() },
            r#"{"type":"restarted","reason":{"kind":"network","code":"network_error","message":"connection reset"}}"#,
        ),
        (
            Event::Completed { url: "http://h/files/1".into(), total: 20 },
            r#"{"type":"completed","url":"http://h/files/1","bytesTotal":20}"#,
        ),
        (
            Event::Warning { code: Code::ChecksumUnsupported, message: "no sha256".into() },
            r#"{"type":"warning","code":"checksum_unsupported","message":"no sha256"}"#,
        ),
        (
            Event::Failed(refused.clone()),
            r#"{"type":"failed","error":{"kind":"rejected","code":"http_status","status":500,"message":"the server answered 500"}}"#,
        ),
    ];
    for (event, want) in cases {
        assert_eq!(json(&event_to_js(&event)), want);
    }
    assert_eq!(
        json(&warning_to_js(Code::StorageUnavailable, "memory only")),
        r#"{"type":"warning","code":"storage_unavailable","message":"memory only"}"#
    );
    assert_eq!(
        json(&error_to_js(&refused)),
        r#"{"kind":"rejected","code":"http_status","status":500,"message":"the server answered 500"}"#
    );
    assert_eq!(json(&result_to_js("http://h/files/1", 20)), r#"{"uploadUrl":"http://h/files/1","bytesTotal":20}"#);
}
