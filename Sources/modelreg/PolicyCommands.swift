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

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing policy subcommand (show, set or check)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()), options: ["approval", "actor"])
        switch sub {
        case "show":
            _ = try arguments.positionals([])
            let policy = try CommandLineTool.openForReading(arguments).promotionPolicy()
            print(String(decoding: policy.fileBytes(), as: UTF8.self), terminator: "")
        case "set":
            let path = try arguments.positionals(["FILE"])[0]
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let policy = try PromotionPolicy(parsing: bytes, source: path)
            let registry = try CommandLineTool.openForWriting(arguments)
            if let event = try registry.setPromotionPolicy(policy, actor: arguments.value("actor")) {
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
        let target = try ArtifactID(parsing: positionals[1], context: "ARTIFACT")
        let registry = try CommandLineTool.openForReading(arguments)
        let unmet = try registry.checkPromotion(alias, to: target, approval: arguments.value("approval"))
        guard unmet.isEmpty else {
            for item in unmet { print("unmet: \(item)") }
            throw CommandFailure("\(unmet.count) requirement(s) unmet")
        }
        guard let rule = try registry.promotionPolicy().rule(for: alias) else {
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
        state set ARTIFACT STATE [--reason …]   registered, validated, candidate, production,
                                deprecated or revoked.  state show ARTIFACT
        """

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing state subcommand (set or show)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()), options: ["reason", "actor"])
        switch sub {
        case "set":
            let positionals = try arguments.positionals(["ARTIFACT", "STATE"])
            let id = try ArtifactID(parsing: positionals[0], context: "ARTIFACT")
            let name = try UsageError.check(
                positionals[1], oneOf: LifecycleState.all.map(\.rawValue), kind: "a lifecycle state",
                argument: "STATE")
            let state = try LifecycleState(parsing: name)
            let event = try CommandLineTool.openForWriting(arguments).setState(
                id, to: state, reason: arguments.value("reason"), actor: arguments.value("actor"))
            print(event == nil ? "\(id) is already \(state); nothing changed" : "\(id) is now \(state)")
        case "show":
            let id = try ArtifactID(parsing: try arguments.positionals(["ARTIFACT"])[0], context: "ARTIFACT")
            print(try CommandLineTool.openForReading(arguments).state(of: id))
        default:
            throw UsageError("unknown state subcommand '\(sub)' (expected set or show)")
        }
    }
}
