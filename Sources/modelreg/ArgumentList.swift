/// A hand-written parser for `modelreg`'s arguments (the package has no dependencies, so no ArgumentParser).
///
/// Options take a value (`--name x` or `--name=x`) and may repeat; flags take none. Anything unknown is a
/// usage error, reported with exit code 64.
struct ArgumentList {
    private(set) var positionals: [String] = []
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// Parses `arguments` given which option names take values and which are flags.
    init(_ arguments: [String], options valued: Set<String>, flags known: Set<String>) throws {
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("--") || argument == "-" {
                if !onlyPositionals && argument.hasPrefix("-") && argument.count > 1 && argument != "-" {
                    throw UsageError("unknown option '\(argument)'")
                }
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if valued.contains(name) {
                if value == nil {
                    guard index < arguments.count else { throw UsageError("option '--\(name)' needs a value") }
                    value = arguments[index]
                    index += 1
                }
                options[name, default: []].append(value ?? "")
            } else if known.contains(name) {
                guard value == nil else { throw UsageError("flag '--\(name)' takes no value") }
                flags.insert(name)
            } else {
                throw UsageError("unknown option '--\(name)'")
            }
        }
    }

    /// The last value of an option, or nil.
    func value(_ name: String) -> String? { options[name]?.last }
    /// Every value of a repeatable option.
    func values(_ name: String) -> [String] { options[name] ?? [] }
    /// Whether a flag was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The last value of `--name`, or nil; a value outside `allowed` is a usage error listing them.
    func value(_ name: String, oneOf allowed: [String], kind: String) throws -> String? {
        try value(name).map { try UsageError.check($0, oneOf: allowed, kind: kind, argument: "--" + name) }
    }

    /// Every value of a repeatable `--name`; a value outside `allowed` is a usage error listing them.
    func values(_ name: String, oneOf allowed: [String], kind: String) throws -> [String] {
        try values(name).map { try UsageError.check($0, oneOf: allowed, kind: kind, argument: "--" + name) }
    }

    /// Requires exactly `names.count` positionals (with `optional` more allowed) and returns them.
    func positionals(_ names: [String], optional: Int = 0) throws -> [String] {
        if positionals.count < names.count {
            throw UsageError("missing \(names[positionals.count])")
        }
        if positionals.count > names.count + optional {
            throw UsageError("unexpected argument '\(positionals[names.count + optional])'")
        }
        return positionals
    }
}

extension UsageError {
    /// Returns `value` if `allowed` contains it, else throws "'x' is not a KIND: ARGUMENT must be one of …".
    static func check(_ value: String, oneOf allowed: [String], kind: String, argument: String) throws -> String {
        guard allowed.contains(value) else {
            throw UsageError(
                "'\(value)' is not \(kind): \(argument) must be one of \(allowed.joined(separator: ", "))")
        }
        return value
    }
}
