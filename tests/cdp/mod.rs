//! A small Chrome DevTools Protocol client: starts headless Chromium, opens a page with
//! the network off, records what failed to load or threw, evaluates JavaScript, clicks
//! like a person (mouse events at an element's centre) and takes screenshots.
//! Shared by tests/report_browser.rs and examples/report_browser.rs (the benchmark).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The Chromium binary, when installed.
pub fn chromium() -> Option<PathBuf> {
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        if let Ok(o) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
        {
            let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if o.status.success() && !p.is_empty() {
                return Some(PathBuf::from(p));
            }
        }
    }
    None
}

/// A headless Chromium with one page, driven over its DevTools web socket.
pub struct Browser {
    child: Child,
    ws: tungstenite::WebSocket<TcpStream>,
    next_id: u64,
    /// Every event received so far (method and params).
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Start `bin` headless with a fresh profile and a `width` x `height` window.
    pub fn launch(bin: &Path, width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr; the
        // rest of stderr is drained on a thread so the browser never blocks on it.
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("ws://").nth(1) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(rest.to_string());
                    }
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("chromium prints its DevTools address");
        let host = addr.split('/').next().expect("host:port").to_string();
        // The page target's web socket, from the HTTP endpoint.
        let page_ws = {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let list = http_get(&host, "/json/list");
                let pages: Vec<Value> = serde_json::from_str(&list).unwrap_or_default();
                if let Some(u) = pages
                    .iter()
                    .find(|p| p["type"] == "page")
                    .and_then(|p| p["webSocketDebuggerUrl"].as_str())
                {
                    break u.to_string();
                }
                assert!(Instant::now() < deadline, "no page target: {list}");
                std::thread::sleep(Duration::from_millis(100));
            }
        };
        let stream = TcpStream::connect(&host).expect("connect to chromium");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let (ws, _) = tungstenite::client(page_ws.as_str(), stream).expect("web socket");
        Browser {
            child,
            ws,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        }
    }

    fn recv(&mut self) -> Value {
        loop {
            // A signal may interrupt the read (EINTR); the socket's state is intact, so
            // read again (it once failed a CI run: "Interrupted system call").
            let read = loop {
                match self.ws.read() {
                    Err(tungstenite::Error::Io(e))
                        if e.kind() == std::io::ErrorKind::Interrupted => {}
                    r => break r,
                }
            };
            match read.expect("read from chromium") {
                tungstenite::Message::Text(t) => {
                    return serde_json::from_str(t.as_str()).expect("JSON from chromium")
                }
                tungstenite::Message::Close(_) => panic!("chromium closed the connection"),
                _ => {}
            }
        }
    }

    /// Call a DevTools method and return its result (events received meanwhile are kept).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        let mut sent = self.ws.send(tungstenite::Message::Text(msg.into()));
        // Interrupted by a signal (EINTR): the message is queued; write it out.
        while let Err(tungstenite::Error::Io(e)) = &sent {
            if e.kind() != std::io::ErrorKind::Interrupted {
                break;
            }
            sent = self.ws.flush();
        }
        sent.expect("send to chromium");
        loop {
            let v = self.recv();
            if v["id"] == id {
                if let Some(e) = v.get("error") {
                    panic!("{method}: {e}");
                }
                return v["result"].clone();
            }
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
    }

    /// Wait for an event, at most `timeout`.
    pub fn wait_event(&mut self, method: &str, timeout: Duration) -> Option<Value> {
        if let Some(e) = self.events.iter().find(|e| e["method"] == method) {
            return Some(e.clone());
        }
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            // A harmless call that returns at once keeps the loop reading.
            let _ = self.call("Runtime.evaluate", json!({"expression": "1"}));
            if let Some(e) = self.events.iter().find(|e| e["method"] == method) {
                return Some(e.clone());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Evaluate `expr` in the page and return its value.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Turn on the events the checks read and take the network offline.
    pub fn prepare(&mut self) {
        for m in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            self.call(m, json!({}));
        }
        self.call(
            "Network.emulateNetworkConditions",
            json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        );
    }

    /// Open a file and wait for its load event; returns the wall time to the event.
    pub fn open_file(&mut self, path: &Path) -> Duration {
        let url = format!("file://{}", path.canonicalize().expect("file").display());
        self.events.clear();
        let t = Instant::now();
        self.call("Page.navigate", json!({"url": url}));
        self.wait_event("Page.loadEventFired", Duration::from_secs(60))
            .expect("the page loads");
        t.elapsed()
    }

    /// Wait until `expr` is true (polled), at most `timeout`.
    pub fn wait_for(&mut self, expr: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.eval(expr) == Value::Bool(true) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// What went wrong while loading: failed requests, requests that left the
    /// machine (anything but file: and data:), exceptions, console and log errors.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.events {
            let p = &e["params"];
            match e["method"].as_str().unwrap_or("") {
                "Network.loadingFailed" => out.push(format!("failed to load: {p}")),
                "Network.requestWillBeSent" => {
                    let url = p["request"]["url"].as_str().unwrap_or("");
                    if !(url.starts_with("file:") || url.starts_with("data:")) {
                        out.push(format!("network request: {url}"));
                    }
                }
                "Runtime.exceptionThrown" => out.push(format!("exception: {p}")),
                "Runtime.consoleAPICalled" if p["type"] == "error" => {
                    out.push(format!("console error: {p}"))
                }
                "Log.entryAdded" if p["entry"]["level"] == "error" => {
                    out.push(format!("log error: {}", p["entry"]))
                }
                _ => {}
            }
        }
        out
    }

    /// Click the first element matching `selector` as a person would: scroll it into
    /// view, press and release the mouse at its centre.
    pub fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        let r = self.eval(&format!(
            "(function(){{var e=document.querySelector({sel});if(!e)return null;\
             e.scrollIntoView({{block:'center'}});var b=e.getBoundingClientRect();\
             return [b.left+b.width/2,b.top+b.height/2];}})()"
        ));
        let (x, y) = match r.as_array() {
            Some(a) => (a[0].as_f64().unwrap(), a[1].as_f64().unwrap()),
            None => panic!("no element {selector}"),
        };
        for t in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": t, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// A PNG screenshot of the whole page (`full`) or the viewport.
    pub fn screenshot(&mut self, out: &Path, full: bool) {
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": full}),
        );
        let png = base64_decode(r["data"].as_str().expect("image data"));
        std::fs::write(out, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.ws.close(None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GET on the DevTools HTTP endpoint (which may keep the connection open: the body
/// is read up to its Content-Length).
fn http_get(host: &str, path: &str) -> String {
    let Ok(mut s) = TcpStream::connect(host) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if len.is_some_and(|n| buf.len() >= i + 4 + n) {
                return String::from_utf8_lossy(&buf[i + 4..i + 4 + len.unwrap()]).into_owned();
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string())
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        let k = chunk.len() - 1;
        for i in 0..k {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}
