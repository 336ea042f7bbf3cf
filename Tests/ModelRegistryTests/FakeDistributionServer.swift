import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tiny hostile OCI registry in Python's `http.server`, serving an OCI layout's manifests and blobs and
/// misbehaving as a scenario says (another digest, a truncated body, a status, a redirect, a 100 MB manifest).
/// Every request is logged as a JSON line (method, path, Range, whether it carried Authorization).
final class FakeDistributionServer {
    let port: Int
    let logPath: String
    private let process: Process

    static let python: String? = {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }()

    /// Starts a server for `layout`; `redirectPort` is the other server a `redirect` scenario sends blobs to.
    init(layout: URL, scenario: String, in temp: URL, redirectPort: Int? = nil) throws {
        let script = temp.appendingPathComponent("fake-registry.py")
        try Data(Self.script.utf8).write(to: script)
        logPath = temp.appendingPathComponent("fake-\(scenario)-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python))
        process.arguments = [script.path, layout.path, scenario, logPath, String(redirectPort ?? 0)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = ""
        while !line.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        port = try #require(Int(line.split(separator: "\n").first ?? ""), "the fake registry did not start: \(line)")
    }

    deinit { stop() }

    func stop() {
        // SIGKILL: a signal mask the test process hands down may block SIGTERM in the child.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// `http://127.0.0.1:PORT/test/model:TAG`.
    func reference(_ tag: String = "champion") throws -> OCIReference {
        try OCIReference(parsing: "http://127.0.0.1:\(port)/test/model:\(tag)")
    }

    /// The requests so far.
    func requests() -> [(method: String, path: String, range: String?, authorized: Bool)] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return (
                object["m"] as? String ?? "", object["p"] as? String ?? "", object["range"] as? String,
                object["auth"] as? Bool ?? false
            )
        }
    }

    /// For the `slow-blobs` scenario: for each blob `GET`, how many blob `GET`s were running when it arrived
    /// (itself included); the maximum is the most that ran at once. For `slow-uploads`, the same of blob `PUT`s.
    func concurrentBlobRequests() -> [Int] {
        let text = (try? String(contentsOfFile: logPath + ".active", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { Int($0) }
    }

    static let script = #"""
        import http.server, json, os, sys, threading, base64, time
        layout, scenario, log_path, other = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        index = json.load(open(os.path.join(layout, "index.json")))
        tags = {m.get("annotations", {}).get("org.opencontainers.image.ref.name"): m for m in index["manifests"]}
        blobs = os.path.join(layout, "blobs", "sha256")
        biggest = max(os.listdir(blobs), key=lambda n: os.path.getsize(os.path.join(blobs, n)))
        state = {"big_gets": 0, "manifest_gets": 0, "port": 0, "active": 0}
        lock = threading.Lock()
        AUTH = "Basic " + base64.b64encode(b"u:p").decode()
        TOKEN = "tok-" + "s3cr3t-bearer"

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def record(self):
                with lock, open(log_path, "a") as f:
                    f.write(json.dumps({"m": self.command, "p": self.path, "range": self.headers.get("Range"),
                                        "auth": self.headers.get("Authorization") is not None}) + "\n")
            def answer(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items(): self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(body)
            def do_HEAD(self):
                if scenario == "slow-uploads" and "/blobs/" in self.path:
                    self.record()
                    return self.answer(404)  # every blob is to be uploaded
                self.handle_get()
            def do_POST(self):
                # Uploads (the slow-uploads scenario): a session per POST; its bytes are read and dropped.
                self.record()
                if "/blobs/uploads/" not in self.path: return self.answer(404)
                return self.answer(202, b"", {"Location": "/v2/test/model/blobs/uploads/s%d" % time.monotonic_ns()})
            def do_PUT(self):
                self.record()
                length = int(self.headers.get("Content-Length") or 0)
                if "/blobs/uploads/" in self.path:
                    # Every blob PUT is held for a while and counted, so that the most running at once is known.
                    with lock:
                        state["active"] += 1
                        with open(log_path + ".active", "a") as f: f.write("%d\n" % state["active"])
                    try:
                        self.rfile.read(length)
                        time.sleep(0.3)
                        return self.answer(201)
                    finally:
                        with lock: state["active"] -= 1
                self.rfile.read(length)
                return self.answer(201)
            def do_GET(self):
                if scenario != "slow-blobs" or "/blobs/" not in self.path: return self.handle_get()
                # Every blob GET is held for a while and counted, so that the most running at once is known.
                with lock:
                    state["active"] += 1
                    with open(log_path + ".active", "a") as f: f.write("%d\n" % state["active"])
                try:
                    time.sleep(0.3)
                    self.handle_get()
                finally:
                    with lock: state["active"] -= 1
            def handle_get(self):
                self.record()
                if scenario == "redirect" and other and self.headers.get("Authorization") != AUTH:
                    return self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"login"}]}',
                                       {"WWW-Authenticate": 'Basic realm="fake"'})
                if scenario == "bearer":
                    # A token service on the same server: basic credentials u:p buy TOKEN; everything else needs it.
                    if self.path.startswith("/token"):
                        if self.headers.get("Authorization") != AUTH:
                            return self.answer(401, b'{"errors":[{"code":"DENIED","message":"bad login"}]}')
                        return self.answer(200, json.dumps({"token": TOKEN}).encode())
                    if self.headers.get("Authorization") != "Bearer " + TOKEN:
                        realm = "http://127.0.0.1:%d/token" % state["port"]
                        return self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token"}]}',
                                           {"WWW-Authenticate": 'Bearer realm="%s",service="fake",scope="repository:test/model:pull"' % realm})
                parts = self.path.split("?")[0].split("/")
                if self.path.rstrip("/") == "/v2": return self.answer(200, b"{}")
                if len(parts) < 5: return self.answer(404)
                kind, ref = parts[-2], parts[-1]
                if kind == "referrers": return self.answer(404)
                if kind == "manifests":
                    if scenario.startswith("retry-after-"):
                        # The first manifest request is answered 429 with the Retry-After the scenario names.
                        with lock:
                            state["manifest_gets"] += 1
                            first = state["manifest_gets"] == 1
                        if first:
                            wait = scenario[len("retry-after-"):].replace("_", " ")
                            return self.answer(429, b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
                                               {"Retry-After": wait})
                    if scenario.startswith("status-"):
                        code = int(scenario[7:])
                        headers = {"WWW-Authenticate": 'Basic realm="fake"'} if code == 401 else {}
                        return self.answer(code, b'{"errors":[{"code":"DENIED","message":"go away"}]}', headers)
                    if scenario == "huge-manifest":
                        self.send_response(200)
                        self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                        self.send_header("Connection", "close")
                        self.end_headers()
                        try:
                            for _ in range(100): self.wfile.write(b" " * (1 << 20))
                        except Exception: pass
                        self.close_connection = True
                        return
                    if ref.startswith("sha256:"): name, media = ref[7:], None
                    elif ref in tags: name, media = tags[ref]["digest"][7:], tags[ref]["mediaType"]
                    else: return self.answer(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}')
                    path = os.path.join(blobs, name)
                    if not os.path.exists(path): return self.answer(404)
                    body = open(path, "rb").read()
                    media = media or json.loads(body).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
                    return self.answer(200, body, {"Content-Type": media})
                if kind != "blobs": return self.answer(404)
                name = ref[7:]
                path = os.path.join(blobs, name)
                if not os.path.exists(path): return self.answer(404)
                body = open(path, "rb").read()
                if name != biggest or self.command == "HEAD": return self.answer(200, body)
                with lock:
                    state["big_gets"] += 1
                    n = state["big_gets"]
                if scenario == "redirect" and other:
                    return self.answer(307, b"", {"Location": "http://localhost:%d%s" % (other, self.path)})
                if scenario.startswith("blob-status-"):
                    # HEAD answers (above), the download of the biggest blob gets the status the scenario names.
                    code = int(scenario[len("blob-status-"):])
                    headers = {"WWW-Authenticate": 'Basic realm="fake"'} if code == 401 else {}
                    return self.answer(code, b'{"errors":[{"code":"DENIED","message":"go away"}]}', headers)
                if scenario == "wrong-digest": return self.answer(200, body[::-1])
                rng = self.headers.get("Range")
                if rng and scenario == "range-416": return self.answer(416)
                if rng and scenario == "truncated-once":
                    start = int(rng.split("=")[1].split("-")[0])
                    return self.answer(206, body[start:], {"Content-Range": "bytes %d-%d/%d" % (start, len(body) - 1, len(body))})
                if scenario == "truncated-always" or (scenario in ("truncated-once", "range-416") and n == 1):
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if rng and scenario == "ok":
                    first, _, last = rng.split("=")[1].partition("-")
                    start, end = int(first), min(int(last) if last else len(body) - 1, len(body) - 1)
                    return self.answer(206, body[start:end + 1],
                                       {"Content-Range": "bytes %d-%d/%d" % (start, end, len(body))})
                return self.answer(200, body)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        state["port"] = server.server_address[1]
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}
