import Foundation
import ModelRegistry

/// `modelreg ls --all`: every directory in `artifacts/`, including what the index does not hold, in the order of
/// `ls` (`Registry.listAllArtifacts(limit:after:)`). Same output as `ls`, plus whether each came from the index
/// and why not.
enum ListAllCommand {
    static func run(_ registry: Registry, page: Paging, json: Bool) throws {
        let listed = try registry.listAllArtifacts(limit: page.limit, after: page.after)
        let evicted = Set(
            listed.map(\.id).filter { id in
                do { return try registry.eviction(of: id) != nil } catch { return true }
            })
        let next: IndexQuery.Cursor? =
            if let limit = page.limit, listed.count == limit, let last = listed.last { last.cursor } else { nil }
        if json {
            let artifacts: [JSONValue] = listed.map { artifact in
                var members: [String: JSONValue] = [
                    "id": .string(artifact.id.description), "name": .null, "state": .string("registered"),
                    "registeredAt": .null, "capabilities": .array([]), "files": .null, "size": .null,
                ]
                if let summary = artifact.summary, case .object(let known) = JSONOutput.summary(summary) {
                    members = known
                }
                members["evicted"] = .bool(evicted.contains(artifact.id))
                members["indexed"] = .bool(artifact.isIndexed)
                members["problem"] = artifact.problem.map(JSONValue.string) ?? .null
                return .object(members)
            }
            JSONOutput.print([
                "artifacts": .array(artifacts), "nextCursor": next.map { .string($0.description) } ?? .null,
            ])
            return
        }
        for artifact in listed {
            guard let summary = artifact.summary else {
                print("\(artifact.id)  -  unreadable: \(artifact.problem ?? "no manifest")")
                continue
            }
            let state = (summary.state ?? .registered).rawValue
            let size = CommandLineTool.formatSize(summary.totalSize)
            let marks = (evicted.contains(artifact.id) ? "  evicted" : "") + (artifact.isIndexed ? "" : "  not indexed")
            print(
                "\(summary.id)  \(summary.name)  \(state)  \(summary.registeredAt ?? "-")  \(summary.fileCount) files  "
                    + size + marks)
        }
        page.printHint(next)
    }
}
