import Foundation
import ModelRegistry

/// `modelreg policy show`, `policy set FILE`, `policy check ALIAS ARTIFACT [--approval ID] [--trust DIR]`
enum PolicyCommand: Command {
    static let name = "policy"
    static let usage = """
        policy show | set FILE  Show or replace the promotion policy (policy.json; audited).
        policy check ALIAS ARTIFACT [--approval ID]
                                List every requirement the promotion would not meet.
        """

    static let subcommands = ["show", "set", "check"]
    static let options = ["approval", "actor"]

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing policy subcommand (show, set or check)") }
        let arguments = try parse(Array(raw.dropFirst()))
        switch sub {
        case "show":
            _ = try arguments.positionals([])
            let registry = try CommandLineTool.openForReading(arguments)
            let bytes = try registry.promotionPolicy().fileBytes()
            if arguments.flag("json") {
                let policy = try CanonicalJSON.parse(bytes, source: registry.policyPath)
                JSONOutput.print(["path": .string(registry.policyPath), "policy": policy])
            } else {
                print(String(decoding: bytes, as: UTF8.self), terminator: "")
            }
        case "set":
            let path = try arguments.positionals(["FILE"])[0]
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let policy = try PromotionPolicy(parsing: bytes, source: path)
            let registry = try CommandLineTool.openForWriting(arguments)
            let event = try registry.setPromotionPolicy(policy, actor: arguments.value("actor"))
            if arguments.flag("json") {
                JSONOutput.print([
                    "changed": .bool(event != nil), "rules": JSONOutput.number(policy.rules.count),
                    "sequence": JSONOutput.number(event?.sequence),
                ])
            } else if let event {
                print("policy replaced (\(policy.rules.count) rule(s)); audit event \(event.sequence)")
            } else {
                print("policy unchanged: \(path) is the policy in force")
            }
        case "check":
            try check(arguments)
        default:
            throw UsageError("unknown policy subcommand '\(sub)' (expected show, set or check)")
        }
    }

    /// `policy check ALIAS ARTIFACT`: prints each unmet requirement and fails when there is one.
    static func check(_ arguments: ArgumentList) throws {
        let positionals = try arguments.positionals(["ALIAS", "ARTIFACT"])
        let alias = positionals[0]
        let registry = try CommandLineTool.openForReading(arguments)
        let target = try registry.artifactID(matching: positionals[1])
        let unmet = try registry.checkPromotion(alias, to: target, approval: arguments.value("approval"))
        let rule = try registry.promotionPolicy().rule(for: alias)
        if arguments.flag("json") {
            JSONOutput.print([
                "alias": .string(alias), "artifact": .string(target.description), "allowed": .bool(unmet.isEmpty),
                "rule": JSONOutput.string(rule.map { "\($0.aliases)" }),
                "unmet": JSONOutput.strings(unmet.map { "\($0)" }),
            ])
            if !unmet.isEmpty { throw CommandFailure("\(unmet.count) requirement(s) unmet") }
            return
        }
        guard unmet.isEmpty else {
            for item in unmet { print("unmet: \(item)") }
            throw CommandFailure("\(unmet.count) requirement(s) unmet")
        }
        guard let rule else {
            print("no rule matches '\(alias)': promotion needs nothing")
            return
        }
        print("the policy for '\(rule.aliases)' allows pointing '\(alias)' at \(target)")
    }
}

/// `modelreg state set ARTIFACT STATE [--reason …]`, `modelreg state show ARTIFACT`
enum StateCommand: Command {
    static let name = "state"
    static let usage = """
        state set ARTIFACT STATE
                                Set ARTIFACT's lifecycle state: registered, validated, candidate,
                                production, deprecated or revoked (--reason TEXT --actor NAME).
        state show ARTIFACT     Print ARTIFACT's lifecycle state.
        """

    static let subcommands = ["set", "show"]
    static let options = ["reason", "actor"]

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing state subcommand (set or show)") }
        let arguments = try parse(Array(raw.dropFirst()))
        switch sub {
        case "set":
            let positionals = try arguments.positionals(["ARTIFACT", "STATE"])
            let name = try UsageError.check(
                positionals[1], oneOf: LifecycleState.all.map(\.rawValue), kind: "a lifecycle state",
                argument: "STATE")
            let state = try LifecycleState(parsing: name)
            let registry = try CommandLineTool.openForWriting(arguments)
            let id = try registry.artifactID(matching: positionals[0])
            let event = try registry.setState(
                id, to: state, reason: arguments.value("reason"), actor: arguments.value("actor"))
            if arguments.flag("json") {
                JSONOutput.print([
                    "artifact": .string(id.description), "state": .string(state.rawValue),
                    "changed": .bool(event != nil), "sequence": JSONOutput.number(event?.sequence),
                ])
            } else {
                print(event == nil ? "\(id) is already \(state); nothing changed" : "\(id) is now \(state)")
            }
        case "show":
            let reference = try arguments.positionals(["ARTIFACT"])[0]
            let registry = try CommandLineTool.openForReading(arguments)
            let id = try registry.artifactID(matching: reference)
            let state = try registry.state(of: id)
            if arguments.flag("json") {
                JSONOutput.print(["artifact": .string(id.description), "state": .string(state.rawValue)])
            } else {
                print(state)
            }
        default:
            throw UsageError("unknown state subcommand '\(sub)' (expected set or show)")
        }
    }
}
