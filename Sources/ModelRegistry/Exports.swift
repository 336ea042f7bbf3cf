// The umbrella module: `import ModelRegistry` brings in every store and the `Registry` facade.
@_exported import AliasStore
@_exported import ArtifactStore
@_exported import AuditLog
@_exported import IndexBuilder
@_exported import ModelPack
@_exported import RegistryCore
@_exported import Verifier
