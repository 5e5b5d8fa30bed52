//! A listener on 127.0.0.1 that records whatever reaches it and answers 403: it stands for a
//! proxy or a redirect target that must never receive a request.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

pub struct Capture {
    pub url: String,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Capture {
    pub fn start() -> Capture {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(500)));
                // Read up to the end of the request head (or until the client stops sending).
                let mut buffer = Vec::new();
                let mut chunk = [0; 4096];
                while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && buffer.len() < 64 * 1024 {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                    }
                }
                sink.lock().unwrap().push(buffer);
                let _ = stream.write_all(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Capture { url, received }
    }

    /// Everything each connection sent, in order.
    pub fn received(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }
}
