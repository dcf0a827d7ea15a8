//! What redaction costs one scenario, and whether that grows with the run:
//! `cargo run --release --example redaction_cost`.
//!
//! Each simulated scenario does what a real one does to its redactor: a scoped copy of
//! the target's (12 profile secrets), five issued codes and tokens added one by one,
//! and fifteen captures of about 1.5 KB masked (request, response, headers) between
//! the additions. The run-wide set of issued values grows with every scenario.

use std::time::Instant;

use grantcheck::redact::Redactor;

fn token(n: u64, salt: u64) -> String {
    let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
    (0..40)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[(x % 64) as usize]
                as char
        })
        .collect()
}

fn main() {
    let secrets: Vec<String> = (0..12)
        .map(|i| format!("profile-secret-{i}-{}", token(i, 7)))
        .collect();
    let target = Redactor::new(secrets.clone());
    let filler = "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcb&scope=openid%20profile ".repeat(12);
    let scenarios = 20_000u64;
    let mut window = Instant::now();
    for n in 0..scenarios {
        let r = target.scoped();
        for k in 0..5 {
            let issued = token(n * 5 + k, 3);
            r.add(issued.clone());
            for c in 0..3 {
                let text = format!(
                    "{filler} code={issued} c={c} secret={}",
                    secrets[(c % 12) as usize]
                );
                std::hint::black_box(r.text(&text));
            }
        }
        if (n + 1) % 5_000 == 0 {
            let per = window.elapsed().as_secs_f64() * 1e3 / 5_000.0;
            println!(
                "scenarios {:>6}: {per:.3} ms per scenario (last 5000)",
                n + 1
            );
            window = Instant::now();
        }
    }
}
