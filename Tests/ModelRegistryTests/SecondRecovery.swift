import Foundation
import ModelRegistry

extension Registry {
    /// A recovery run after another, which a test expects to find nothing to do.
    ///
    /// Other tests of this process spawn children (`cp`, `modelreg`) all the time. Between fork and exec a child
    /// shares every open file description, the staging locks included, so a lock can look held for an instant
    /// after its owner released it: recovery then keeps that staging directory (the safe way to be wrong) and the
    /// next recovery removes it. Only that may be left for a later pass; anything else is returned at once.
    func secondRecovery() throws -> RecoveryReport {
        var report = try recover()
        for _ in 0..<20 where !report.isClean && report.onlyRemovedStaging(of: self) {
            Thread.sleep(forTimeInterval: 0.05)
            report = try recover()
        }
        return report
    }
}

extension Registry.RecoveryReport {
    /// Whether all this recovery did was remove staging leftovers.
    func onlyRemovedStaging(of registry: Registry) -> Bool {
        var rest = self
        rest.removedLeftovers.removeAll { $0.hasPrefix(registry.layout.stagingPath + "/") }
        return rest.isClean
    }
}
