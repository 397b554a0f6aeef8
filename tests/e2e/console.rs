//! The reviewer console in a real browser: Debian's chromium, driven through chromedriver
//! (WebDriver) by fantoccini, against the real `standing serve --dev-clock`. Sign in, see a case
//! open after two complaints, substantiate one with a clause and a note and see the standing
//! change, deny an appeal, be refused as a conflicted reviewer with the API's sentence, page
//! through a queue; screenshots of each page at 1280 px and at phone width are written to
//! `target/console-screenshots/`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Duration as Days;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::api::{
    freelancer_feedback, give_feedback, negative_feedback, register_ended, standing,
    standing_becomes, version,
};
use crate::support::{Caller, Clock, Stack, Store, poll};

const T0: &str = "2032-07-01T09:00:00Z";
const WAIT: Duration = Duration::from_secs(20);

/// chromedriver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .unwrap_or_else(|| {
                panic!(
                    "chromium and chromedriver are missing: install them with `apt-get install -y chromium chromium-driver` (.ci/run does)"
                )
            });
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        poll(WAIT, || {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .ok()
                .map(|_| ())
        })
        .expect("chromedriver listens");
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sizes every page is photographed at: a laptop and a phone.
const WIDTHS: [(u32, u32, &str); 2] = [(1280, 900, "1280"), (390, 844, "phone")];

struct Browser {
    rt: tokio::runtime::Runtime,
    client: Client,
    base: String,
    shots: PathBuf,
    _driver: Driver,
}

impl Browser {
    fn open(stack: &Stack) -> Browser {
        let driver = Driver::start();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"]}),
        );
        let client = rt
            .block_on(
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps)
                    .connect(&driver.url),
            )
            .expect("a chromium session");
        let shots = standing_tests::repo_root().join("target/console-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            rt,
            client,
            base: format!("http://{}/console/", stack.addr()),
            shots,
            _driver: driver,
        }
    }

    fn goto(&self, fragment: &str) {
        let url = format!("{}{fragment}", self.base);
        self.rt.block_on(self.client.goto(&url)).unwrap();
    }

    /// The element, once it is there.
    fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.rt
            .block_on(
                self.client
                    .wait()
                    .at_most(WAIT)
                    .for_element(Locator::Css(css)),
            )
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}\npage: {}", self.text("main")))
    }

    fn text(&self, css: &str) -> String {
        self.rt.block_on(async {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            }
        })
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.rt.block_on(element.click()).unwrap();
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.rt.block_on(element.send_keys(text)).unwrap();
    }

    fn select(&self, css: &str, value: &str) {
        let element = self.find(css);
        self.rt.block_on(element.select_by_value(value)).unwrap();
    }

    /// Waits until the text of `css` contains `wanted`.
    fn sees(&self, css: &str, wanted: &str) {
        let found = poll(WAIT, || self.text(css).contains(wanted).then_some(()));
        assert!(
            found.is_some(),
            "{css} never showed {wanted:?}; it shows {:?}",
            self.text(css)
        );
    }

    /// The page at both widths, as `{name}-1280.png` and `{name}-phone.png`.
    fn snap(&self, name: &str) {
        for (width, height, label) in WIDTHS {
            let png = self.rt.block_on(async {
                self.client.set_window_size(width, height).await?;
                // Two animation frames after the resize: the page has been laid out and
                // painted at the new width (not a guessed pause).
                self.client
                    .execute_async(
                        "const done = arguments[arguments.length - 1];
                         requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
                        vec![],
                    )
                    .await?;
                self.client.screenshot().await
            });
            std::fs::write(self.shots.join(format!("{name}-{label}.png")), png.unwrap()).unwrap();
        }
        self.rt
            .block_on(self.client.set_window_size(1280, 900))
            .unwrap();
    }

    fn sign_in(&self, token: &str) {
        // Signed out first (the page's own sign-out), whoever was signed in.
        self.rt
            .block_on(self.client.execute("sessionStorage.clear()", vec![]))
            .unwrap();
        self.goto("#/signin");
        self.find("#sign-in");
        self.type_into("#token", token);
        self.click("#sign-in button[type=submit]");
        self.find("#complaints");
    }

    /// JavaScript errors and failed loads the page recorded.
    fn errors(&self) -> Value {
        self.rt
            .block_on(self.client.execute("return window.__consoleErrors", vec![]))
            .unwrap()
    }
}

/// Ends the WebDriver session, which quits chromium (killing chromedriver alone would leave the
/// browser running).
impl Drop for Browser {
    fn drop(&mut self) {
        let client = self.client.clone();
        let _ = self.rt.block_on(client.close());
    }
}

fn complain(stack: &Stack, client: &Caller, freelancer: &str, claim: &str) -> Value {
    stack
        .post(
            &format!("/freelancers/{freelancer}/complaints"),
            client,
            &json!({
                "category": "certification",
                "claim": claim,
                "statement": format!("The certificate \"{claim}\" is not on the issuer's register."),
                "evidence": ["https://register.example/lookup?no-match"],
            }),
        )
        .expect(201)
}

#[test]
fn a_reviewer_decides_cases_and_appeals_in_the_console_in_a_real_browser() {
    let store = Store::embedded("console");
    let stack = Stack::start(&store, Clock::Dev);
    let t0 = stack.set_clock(T0);
    let freelancer = Caller::freelancer("fl-console");
    let reviewer = Caller::reviewer("rv-console");
    let clients: Vec<Caller> = (1..=3)
        .map(|n| Caller::client(&format!("cl-console-{n}")))
        .collect();
    for (n, client) in clients.iter().enumerate() {
        register_ended(
            &stack,
            &format!("kcon{n}"),
            (client, &freelancer),
            t0 - Days::days(3),
        );
    }
    let first = complain(&stack, &clients[0], "fl-console", "AWS Certified Architect");
    complain(
        &stack,
        &clients[1],
        "fl-console",
        "Kubernetes Administrator",
    );
    complain(&stack, &clients[2], "fl-console", "Scrum Master");
    let browser = Browser::open(&stack);

    // A link carrying a token (as the hosted sign-in returns one) signs no one in unless this
    // page started that sign-in: the token is dropped and the sign-in page shown.
    browser.goto(&format!("#access_token={}", reviewer.token));
    browser.find("#token");
    let url = browser.rt.block_on(browser.client.current_url()).unwrap();
    assert!(!url.as_str().contains("access_token"), "{url}");
    // A malformed case address is a sentence, not a crash.
    browser.goto("#/case/%E0%A4%A");
    browser.find("#token");
    // Sign in: a token that is no one's is refused in words; the reviewer's opens the queues.
    browser.goto("");
    browser.find("#token");
    browser.snap("sign-in");
    browser.type_into("#token", "not-a-token");
    browser.click("#sign-in button[type=submit]");
    browser.sees("#sign-in-status", "not valid");
    browser.sign_in(&reviewer.token);

    browser.goto("#/case/%E0%A4%A");
    browser.sees("main", "This address names no freelancer");
    browser.goto("#/queues");
    // The case opened with two distinct reporters: it is in the queue, grouped by freelancer.
    browser.sees("#complaints", "Case of fl-console — 3 complaints");
    browser.snap("queues");

    // Page through the queue one at a time.
    browser.goto("#/queues?limit=1");
    browser.sees("#complaints", "1 complaint");
    browser.click("#complaints ~ button");
    browser.sees("#complaints", "AWS Certified Architect");
    browser.sees("#complaints", "Kubernetes Administrator");

    // The case: standing, complaints with their decision forms, evidence, audit.
    browser.goto("#/case/fl-console");
    browser.find("#standing [data-standing=good]");
    browser.sees("#timeline", "Complaint filed by cl-console-1");
    browser.sees("#timeline", "Case opened on the complaint about");
    browser.snap("case");
    let id = first["complaint_id"].as_str().unwrap();
    let form = format!("form[data-decides='{id}']");
    // The rule book asks for a clause and a note: without them, nothing is sent.
    browser.select(&format!("{form} select"), "substantiated");
    browser.click(&format!("{form} button"));
    browser.sees(&format!("{form} .form-status"), "Give the terms clause");
    assert_eq!(
        standing(&stack, &freelancer)["standing"],
        "good",
        "nothing was sent"
    );
    let before = version(&standing(&stack, &freelancer));
    browser.type_into(
        &format!("{form} input[name=terms_clause]"),
        "Terms of Service 4.2: accurate profile information",
    );
    browser.type_into(
        &format!("{form} textarea"),
        "The issuer confirmed no such certificate was awarded.",
    );
    browser.click(&format!("{form} button"));
    // The case refreshes once the re-evaluation lands.
    browser.find("#standing [data-standing=warned]");
    browser.sees("#sanctions", "Terms of Service 4.2");
    browser.snap("case-decided");
    let warned = standing_becomes(&stack, &freelancer, before, "warned");

    // An appeal, denied in the console.
    let sanction = warned["sanctions"][0]["sanction_id"].clone();
    let appeal = stack
        .post(
            "/freelancers/fl-console/appeals",
            &freelancer,
            &json!({"sanction_id": sanction, "kind": "contest", "statement": "The certificate was awarded in 2019."}),
        )
        .expect(201);
    let appeal_id = appeal["appeal_id"].as_str().unwrap();
    browser.goto("#/queues");
    browser.sees("#appeals", "contest of a warned sanction");
    browser.snap("queues-with-appeal");
    browser.goto("#/case/fl-console");
    let appeal_form = format!("form[data-decides='{appeal_id}']");
    browser.select(&format!("{appeal_form} select"), "denied");
    browser.type_into(
        &format!("{appeal_form} textarea"),
        "The issuer's register has no such award.",
    );
    browser.click(&format!("{appeal_form} button"));
    browser.sees("main", "Decision recorded");
    let pending = stack.get("/appeals?status=pending", &reviewer).expect(200);
    assert_eq!(pending["items"], json!([]), "the appeal was decided");

    // A report on feedback waits in the queue and is decided there.
    give_feedback(&stack, "kcon0", &freelancer, &freelancer_feedback(4));
    give_feedback(&stack, "kcon0", &clients[0], &negative_feedback("private"));
    let report = stack
        .post(
            "/contracts/kcon0/feedback/client/report",
            &freelancer,
            &json!({"reason": "irrelevant", "details": "This review is about another project."}),
        )
        .expect(201);
    let report_id = report["report_id"].as_str().unwrap();
    browser.goto("#/queues");
    browser.sees("#reports", "contract kcon0");
    browser.snap("queues-with-report");
    let report_form = format!("form[data-decides='{report_id}']");
    browser.select(&format!("{report_form} select"), "kept");
    browser.type_into(
        &format!("{report_form} textarea"),
        "The review is about this contract's work.",
    );
    browser.click(&format!("{report_form} button"));
    browser.sees("#reports", "No feedback report is waiting.");
    let waiting = stack.get("/feedback-reports", &reviewer).expect(200);
    assert_eq!(waiting["items"], json!([]), "the report was decided");

    // A reviewer who is also a reporter in this case is refused, with the API's own sentence.
    let conflicted = Caller::new("cl-console-2", &["client", "reviewer"]);
    let second_id = stack
        .get("/complaints?status=under_review", &reviewer)
        .expect(200)["items"][0]["complaint_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refusal = stack
        .post(
            &format!("/complaints/{second_id}/decision"),
            &conflicted,
            &json!({"outcome": "unsubstantiated", "terms_clause": "4.2", "note": "x"}),
        )
        .expect(403);
    let sentence = refusal["error"]["message"].as_str().unwrap().to_owned();
    browser.sign_in(&conflicted.token);
    browser.goto("#/case/fl-console");
    let second_form = format!("form[data-decides='{second_id}']");
    browser.select(&format!("{second_form} select"), "unsubstantiated");
    browser.type_into(&format!("{second_form} input[name=terms_clause]"), "4.2");
    browser.type_into(&format!("{second_form} textarea"), "Not convinced.");
    browser.click(&format!("{second_form} button"));
    browser.sees(&format!("{second_form} .form-status"), &sentence);
    browser.snap("conflict-refused");

    assert_eq!(browser.errors(), json!([]), "the page logged errors");
    let shots: Vec<String> = std::fs::read_dir(&browser.shots)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for page in [
        "sign-in",
        "queues",
        "case",
        "case-decided",
        "queues-with-appeal",
        "conflict-refused",
    ] {
        for (_, _, label) in WIDTHS {
            assert!(
                shots.contains(&format!("{page}-{label}.png")),
                "{page}-{label}.png missing in {shots:?}"
            );
        }
    }
}
