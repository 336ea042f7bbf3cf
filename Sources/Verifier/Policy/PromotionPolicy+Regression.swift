import RegistryCore

extension PromotionPolicy.Rule {
    /// How much a metric may get worse than the current target's, and which way is worse: one `noRegression`
    /// entry.
    ///
    /// In `policy.json` a plain number is the tolerance of a higher-is-better metric, and an object says which
    /// way is better:
    ///
    /// ```json
    /// "noRegression":{"macro_f1":0.01,"loss":{"better":"lower","tolerance":0.02}}
    /// ```
    ///
    /// A float or integer literal is a higher-is-better tolerance, so `rule.noRegression = ["macro_f1": 0.01]`
    /// reads as it does in the file.
    ///
    /// `Regression` is `Sendable`: it is an immutable value.
    public struct Regression: Hashable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
        /// Which way a metric gets better.
        public enum Direction: String, Hashable, Sendable {
            /// Larger values are better (accuracy, F1): `"better":"higher"`, the default.
            case higherIsBetter = "higher"
            /// Smaller values are better (loss, latency, error rate): `"better":"lower"`.
            case lowerIsBetter = "lower"
        }

        /// How far the new value may move in the worse direction; at least 0 (a policy file refuses less).
        public var tolerance: Double
        /// Which way is better.
        public var direction: Direction

        /// Creates a regression bound.
        ///
        /// - Parameters:
        ///   - tolerance: How far the new value may move in the worse direction; 0 or more.
        ///   - direction: Which way is better; higher by default.
        public init(tolerance: Double = 0, direction: Direction = .higherIsBetter) {
            self.tolerance = tolerance
            self.direction = direction
        }

        /// A higher-is-better bound with this tolerance.
        public init(floatLiteral value: Double) { self.init(tolerance: value) }

        /// A higher-is-better bound with this tolerance.
        public init(integerLiteral value: Int) { self.init(tolerance: Double(value)) }

        /// Whether going from `old` (the current target's value) to `new` is worse by more than ``tolerance``.
        ///
        /// - Parameters:
        ///   - old: The current target's value.
        ///   - new: The candidate's value.
        /// - Returns: `true` when the candidate regresses beyond the tolerance.
        public func isRegression(from old: Double, to new: Double) -> Bool {
            switch direction {
            case .higherIsBetter: return new < old - tolerance
            case .lowerIsBetter: return new > old + tolerance
            }
        }

        /// Reads `noRegression[key]`: a number (higher is better) or `{"better"?,"tolerance"?}`.
        ///
        /// - Throws: `.invalidDocument` naming the field when the value has another type, a key is unknown,
        ///   `better` is neither `higher` nor `lower`, or the tolerance is negative.
        init(parsing reader: JSONObjectReader, key: String) throws {
            switch reader.value(key) {
            case .number?:
                self.init(tolerance: try reader.double(key))
                try Self.checkTolerance(tolerance, in: reader, at: key)
            case .object?:
                let object = try reader.object(key)
                try object.rejectUnknownKeys(allowed: ["better", "tolerance"])
                let better = try object.optionalString("better") ?? Direction.higherIsBetter.rawValue
                guard let direction = Direction(rawValue: better) else {
                    throw object.makeError(at: "better", "expected \"higher\" or \"lower\", found '\(better)'")
                }
                self.init(tolerance: try object.optionalDouble("tolerance") ?? 0, direction: direction)
                try Self.checkTolerance(tolerance, in: object, at: "tolerance")
            default:
                throw reader.makeError(
                    at: key,
                    "expected a tolerance (a number, higher is better) or an object {\"better\",\"tolerance\"}")
            }
        }

        private static func checkTolerance(_ tolerance: Double, in reader: JSONObjectReader, at key: String) throws {
            guard tolerance >= 0 else {
                throw reader.makeError(at: key, "the tolerance must be 0 or more, found \(tolerance)")
            }
        }

        /// The canonical JSON: the bare tolerance when higher is better, so files from before `better` existed
        /// keep their bytes; an object otherwise. `nil` when the tolerance is not finite.
        var jsonValue: JSONValue? {
            guard let number = JSONNumber(tolerance) else { return nil }
            switch direction {
            case .higherIsBetter: return .number(number)
            case .lowerIsBetter: return .object(["better": .string(direction.rawValue), "tolerance": .number(number)])
            }
        }
    }
}
