// registry-bench: the performance targets of ModelRegistry. See RegistryBench.swift and `registry-bench --help`.
import Foundation

exit(RegistryBench.main(Array(CommandLine.arguments.dropFirst())))
