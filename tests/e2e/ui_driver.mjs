// Drives headless Chromium through the DevTools protocol for ui_e2e.sh:
// one JSON command a line on stdin, one JSON answer a line on stdout
// ({"ok": true, "value": ...} or {"ok": false, "error": "..."}).
//
//   node ui_driver.mjs CHROMIUM PROFILE_DIR
//
// The protocol runs over --remote-debugging-pipe (fds 3 and 4, messages
// separated by NUL): no port, no npm package. Commands:
//   {"cmd": "open", "url": U}                  load U, wait for its load event
//   {"cmd": "connector", "name": N}            what the page shows of N (null: absent)
//   {"cmd": "wait_connector", "name": N, "state": S, "task_state": T, "timeout": s}
//                                              until N's card says S and every task T
//   {"cmd": "click", "name": N, "action": A}   a mouse click on N's button A
//   {"cmd": "eval", "expr": E}                 the value of E in the page
//   {"cmd": "poll", "expr": E, "timeout": s}   until E is true (then true; false after s)
//   {"cmd": "errors"}                          exceptions and console errors so far
//   {"cmd": "viewport", "width": W, "height": H, "mobile": B}
//   {"cmd": "color_scheme", "scheme": "dark"}  emulates prefers-color-scheme
//   {"cmd": "screenshot", "path": P}           a PNG of the whole page
//   {"cmd": "quit"}
// Chromium is this process's child: it is killed when this process ends,
// and it ends by itself when the pipe closes.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const [chromiumPath, profileDir] = process.argv.slice(2);
if (!chromiumPath || !profileDir) {
	process.stderr.write("usage: ui_driver.mjs CHROMIUM PROFILE_DIR\n");
	process.exit(2);
}

const chrome = spawn(chromiumPath, [
	"--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
	"--no-first-run", "--no-default-browser-check", "--disable-extensions",
	"--disable-background-networking", "--disable-sync", "--mute-audio",
	`--user-data-dir=${profileDir}`, "--window-size=1280,900", "about:blank",
], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
let chromeLog = "";
chrome.stderr.on("data", (d) => { chromeLog = (chromeLog + d).slice(-4000); });
chrome.on("exit", (code, sig) => {
	for (const { reject } of pending.values())
		reject(new Error(`chromium exited (${sig || code}): ${chromeLog.trim().slice(-500)}`));
	pending.clear();
});
const toChrome = chrome.stdio[3];
const fromChrome = chrome.stdio[4];

const chromeExited = new Promise((resolve) => chrome.on("exit", resolve));

// Ends Chromium (its browser process takes its renderers along) and waits
// for it, so no process outlives this one.
async function quit(code) {
	if (chrome.exitCode === null && chrome.signalCode === null) {
		/* Browser.close lets it reap its own children; SIGTERM if it cannot. */
		send("Browser.close", {}, null).catch(() => chrome.kill("SIGTERM"));
		const t = setTimeout(() => chrome.kill("SIGKILL"), 5000);
		await chromeExited;
		clearTimeout(t);
	}
	process.exit(code);
}
process.on("SIGTERM", () => quit(143));
process.on("SIGINT", () => quit(130));

// ---- the protocol ----

let nextId = 1;
const pending = new Map();
const listeners = [];
let buffered = "";

fromChrome.on("data", (chunk) => {
	buffered += chunk.toString("utf8");
	let end;
	while ((end = buffered.indexOf("\0")) >= 0) {
		const msg = JSON.parse(buffered.slice(0, end));
		buffered = buffered.slice(end + 1);
		if (msg.id !== undefined && pending.has(msg.id)) {
			const { resolve, reject, method } = pending.get(msg.id);
			pending.delete(msg.id);
			if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
			else resolve(msg.result);
		} else if (msg.method) {
			for (const l of listeners.slice()) l(msg);
		}
	}
});

function send(method, params = {}, sessionId = session) {
	const id = nextId++;
	const msg = { id, method, params };
	if (sessionId) msg.sessionId = sessionId;
	return new Promise((resolve, reject) => {
		pending.set(id, { resolve, reject, method });
		toChrome.write(JSON.stringify(msg) + "\0");
	});
}

function waitEvent(method, timeoutMs) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => {
			listeners.splice(listeners.indexOf(on), 1);
			reject(new Error(`no ${method} within ${timeoutMs} ms`));
		}, timeoutMs);
		const on = (msg) => {
			if (msg.method !== method || msg.sessionId !== session) return;
			clearTimeout(t);
			listeners.splice(listeners.indexOf(on), 1);
			resolve(msg.params);
		};
		listeners.push(on);
	});
}

// ---- the page ----

let session = null;
const pageErrors = [];

listeners.push((msg) => {
	if (msg.method === "Runtime.exceptionThrown") {
		const d = msg.params.exceptionDetails;
		pageErrors.push(`exception: ${(d.exception && d.exception.description) || d.text}`);
	} else if (msg.method === "Runtime.consoleAPICalled" && msg.params.type === "error") {
		pageErrors.push("console.error: " + msg.params.args.map((a) => a.value ?? a.description).join(" "));
	}
});

async function attach() {
	const { targetId } = await send("Target.createTarget", { url: "about:blank" }, null);
	({ sessionId: session } = await send("Target.attachToTarget", { targetId, flatten: true }, null));
	await send("Page.enable");
	await send("Runtime.enable");
}

async function evaluate(expr) {
	const r = await send("Runtime.evaluate", { expression: expr, returnByValue: true, awaitPromise: true });
	if (r.exceptionDetails)
		throw new Error(`evaluate: ${(r.exceptionDetails.exception || {}).description || r.exceptionDetails.text}`);
	return r.result.value;
}

// What the page shows of one connector, read from its card (the names are
// compared in the page, never put into a selector).
function snapshotExpr(name) {
	return `(() => {
		const name = ${JSON.stringify(name)};
		const li = [...document.querySelectorAll("#connectors > li")].find((e) => e.dataset.connector === name);
		if (!li) return null;
		const text = (sel) => { const e = li.querySelector(sel); return e ? e.textContent : null; };
		const buttons = {};
		for (const b of li.querySelectorAll("button[data-action]"))
			buttons[b.dataset.action] = { disabled: b.disabled, label: b.getAttribute("aria-label") };
		return {
			name: text(".name"), state: text(".state"), type: text(".type"), class: text(".class"),
			rate: text(".rate"), lag: text(".lag"), message: text(".message"),
			tasks: [...li.querySelectorAll("tbody tr")].map((tr) => ({
				id: tr.dataset.task, state: tr.querySelector(".task-state").textContent,
				worker: tr.lastElementChild.textContent })),
			buttons,
		};
	})()`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitConnector({ name, state, task_state: taskState, timeout = 20 }) {
	const deadline = Date.now() + timeout * 1000;
	let last = null;
	for (;;) {
		last = await evaluate(snapshotExpr(name));
		const ok = last && (!state || last.state === state) &&
			(!taskState || (last.tasks.length > 0 && last.tasks.every((t) => t.state === taskState)));
		if (ok) return last;
		if (Date.now() >= deadline)
			throw new Error(`after ${timeout} s the page shows ${JSON.stringify(last)}`);
		await sleep(100);
	}
}

async function click({ name, action }) {
	const box = await evaluate(`(() => {
		const name = ${JSON.stringify(name)};
		const li = [...document.querySelectorAll("#connectors > li")].find((e) => e.dataset.connector === name);
		const b = li && li.querySelector('button[data-action="' + ${JSON.stringify(action)} + '"]');
		if (!b) return null;
		b.scrollIntoView({ block: "center" });
		const r = b.getBoundingClientRect();
		return { x: r.x + r.width / 2, y: r.y + r.height / 2, disabled: b.disabled };
	})()`);
	if (!box) throw new Error(`no ${action} button for ${name}`);
	if (box.disabled) throw new Error(`the ${action} button of ${name} is disabled`);
	for (const type of ["mouseMoved", "mousePressed", "mouseReleased"])
		await send("Input.dispatchMouseEvent", { type, x: box.x, y: box.y, button: "left", clickCount: 1 });
	return box;
}

const commands = {
	async open({ url }) {
		const loaded = waitEvent("Page.loadEventFired", 15000);
		const r = await send("Page.navigate", { url });
		if (r.errorText) throw new Error(`open ${url}: ${r.errorText}`);
		await loaded;
		return url;
	},
	connector: ({ name }) => evaluate(snapshotExpr(name)),
	wait_connector: waitConnector,
	click,
	eval: ({ expr }) => evaluate(expr),
	async poll({ expr, timeout = 10 }) {
		const deadline = Date.now() + timeout * 1000;
		for (;;) {
			const v = await evaluate(`(() => { try { return !!(${expr}); } catch (_) { return false; } })()`);
			if (v || Date.now() >= deadline) return v;
			await sleep(100);
		}
	},
	errors: () => pageErrors.slice(),
	async viewport({ width, height, mobile = false }) {
		await send("Emulation.setDeviceMetricsOverride",
			{ width, height, deviceScaleFactor: mobile ? 2 : 1, mobile });
		return { width, height, mobile };
	},
	async color_scheme({ scheme }) {
		await send("Emulation.setEmulatedMedia",
			{ features: [{ name: "prefers-color-scheme", value: scheme }] });
		return scheme;
	},
	async screenshot({ path }) {
		const r = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
		writeFileSync(path, Buffer.from(r.data, "base64"));
		return path;
	},
	quit: () => null,
};

function answer(obj) {
	process.stdout.write(JSON.stringify(obj) + "\n");
}

async function main() {
	try {
		await attach();
	} catch (e) {
		answer({ ok: false, error: `start chromium: ${e.message}` });
		quit(1);
	}
	answer({ ok: true, value: "ready" });
	const rl = createInterface({ input: process.stdin });
	for await (const line of rl) {
		if (line.trim() === "") continue;
		let cmd;
		try {
			cmd = JSON.parse(line);
			if (!commands[cmd.cmd]) throw new Error(`unknown command ${cmd.cmd}`);
			answer({ ok: true, value: await commands[cmd.cmd](cmd) });
		} catch (e) {
			answer({ ok: false, error: e.message });
		}
		if (cmd && cmd.cmd === "quit") break;
	}
	quit(0);
}

main();
