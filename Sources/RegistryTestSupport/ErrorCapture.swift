import ModelRegistry

/// Runs `body` and returns the code of the `RegistryError` it threw, or nil when it threw nothing or another
/// error. Lets either test framework assert on error codes:
///
/// ```swift
/// #expect(registryErrorCode { try registry.artifact(missing) } == .notFound)
/// ```
public func registryErrorCode<R>(_ body: () throws -> R) -> RegistryError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as RegistryError {
        return error.code
    } catch {
        return nil
    }
}
