//! Requests no well-behaved client sends, written byte for byte on a loopback connection: a
//! head of one's own making, a body streamed in chunks with no `Content-Length`, a body trickled
//! a byte at a time.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::thread;
use std::time::{Duration, Instant};

use standing_testkit::http::{REQUEST, Reply, connect, first_line, parse};

/// Sends `head` (ending in its blank line, with `Transfer-Encoding: chunked`) and then `total`
/// bytes of body in chunks of `chunk` bytes, and reads the response. The stack may answer and
/// close before the last chunk: a write that fails then is not an error.
pub fn send_chunked(addr: SocketAddr, head: &str, total: usize, chunk: usize) -> io::Result<Reply> {
    let mut stream = connect(addr)?;
    stream.write_all(head.as_bytes())?;
    let mut sent = 0;
    while sent < total {
        let n = chunk.min(total - sent);
        let frame = format!("{n:x}\r\n{}\r\n", "a".repeat(n));
        if stream.write_all(frame.as_bytes()).is_err() {
            break;
        }
        sent += n;
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    parse(&answer, first_line(head.as_bytes()))
}

/// Sends `head` and then one byte of body every `pause` (never all the body its
/// `Content-Length` promises) until the stack answers; the reply and how long it took.
pub fn trickle(addr: SocketAddr, head: &str, pause: Duration) -> io::Result<(Reply, Duration)> {
    // Timed from before the connection: the server's own timer starts when it accepts, never
    // earlier, so the time measured here is never shorter than the one the server enforced.
    let started = Instant::now();
    let mut stream = connect(addr)?;
    stream.write_all(head.as_bytes())?;
    let mut writer = stream.try_clone()?;
    let dripping = thread::spawn(move || {
        // Never more than the slowest client would take for the whole request.
        let drops = REQUEST.as_millis() / pause.as_millis().max(1);
        for _ in 0..drops {
            thread::sleep(pause);
            if writer.write_all(b" ").is_err() {
                return;
            }
        }
    });
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let took = started.elapsed();
    // The writer's clone shares the socket: its next drop fails, and it stops.
    let _ = stream.shutdown(Shutdown::Both);
    let _ = dripping.join();
    read?;
    Ok((parse(&answer, first_line(head.as_bytes()))?, took))
}
