import Foundation

#if DEBUG
    /// Debug-only fault injection for the system-call shims: makes a chosen call fail with a chosen errno, for
    /// paths under a given prefix only, so parallel tests never see each other's faults.
    ///
    /// ```swift
    /// let token = FaultInjector.shared.inject(.write, errno: ENOSPC, under: root.path, after: 3)
    /// defer { FaultInjector.shared.remove(token) }
    /// ```
    package final class FaultInjector: @unchecked Sendable {
        /// The process-wide injector consulted by every shim.
        package static let shared = FaultInjector()

        private struct Rule {
            let id: Int
            let call: SystemCall
            /// The errno to fail with, or nil to let the call through after running `action`.
            let errno: Int32?
            let action: (@Sendable () -> Void)?
            let prefix: String
            var skip: Int
            var remaining: Int
            var fired = 0
        }

        private let lock = NSLock()
        private var rules: [Rule] = []
        private var nextID = 0
        private var isEmpty = true

        /// Makes `call` fail with `errno` for paths starting with `prefix`, after `after` successful calls,
        /// `times` times (`Int.max` for always). Returns a token for ``remove(_:)``.
        @discardableResult
        package func inject(_ call: SystemCall, errno: Int32, under prefix: String, after: Int = 0, times: Int = .max)
            -> Int
        {
            add { id in
                Rule(id: id, call: call, errno: errno, action: nil, prefix: prefix, skip: after, remaining: times)
            }
        }

        /// Runs `action` just before the `after + 1`-th `call` on a path starting with `prefix`, once, and then
        /// lets that call through: for tests that change a file between two system calls of an operation (a
        /// source truncated while it is being hashed). Returns a token for ``remove(_:)``.
        @discardableResult
        package func perform(
            _ action: @escaping @Sendable () -> Void, before call: SystemCall, under prefix: String, after: Int = 0
        ) -> Int {
            add { id in Rule(id: id, call: call, errno: nil, action: action, prefix: prefix, skip: after, remaining: 1)
            }
        }

        private func add(_ makeRule: (Int) -> Rule) -> Int {
            lock.lock()
            defer { lock.unlock() }
            nextID += 1
            rules.append(makeRule(nextID))
            isEmpty = false
            return nextID
        }

        /// Removes one injected fault.
        package func remove(_ token: Int) {
            lock.lock()
            defer { lock.unlock() }
            rules.removeAll { $0.id == token }
            isEmpty = rules.isEmpty
        }

        /// Whether the fault (or action) of `token` has fired at least once: a sweep over "the k-th call" stops
        /// once the operation no longer makes a k-th call.
        package func hasFired(_ token: Int) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return rules.first { $0.id == token }.map { $0.fired > 0 } ?? false
        }

        /// The errno to fail with, or nil to let the call through.
        package func fault(for call: SystemCall, path: String) -> Int32? {
            let (errno, action) = match(call, path)
            action?()  // outside the lock: the action may make system calls of its own
            return errno
        }

        private func match(_ call: SystemCall, _ path: String) -> (Int32?, (@Sendable () -> Void)?) {
            lock.lock()
            defer { lock.unlock() }
            if isEmpty { return (nil, nil) }
            for index in rules.indices where rules[index].call == call && path.hasPrefix(rules[index].prefix) {
                if rules[index].skip > 0 {
                    rules[index].skip -= 1
                    continue
                }
                guard rules[index].remaining > 0 else { continue }
                rules[index].remaining -= 1
                rules[index].fired += 1
                return (rules[index].errno, rules[index].action)
            }
            return (nil, nil)
        }
    }
#endif
