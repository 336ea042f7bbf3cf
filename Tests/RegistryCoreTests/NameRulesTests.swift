import RegistryCore
import Testing

@Suite struct NameRulesTests {
    @Test(arguments: ["Vision", "_ocr", "-x"])
    func aCapabilityMustStartWithALowercaseLetterOrDigit(name: String) throws {
        let error = try #require(throws: RegistryError.self) {
            try NameRules.checkCapability(name, context: "--capability")
        }
        #expect(error.code == .invalidName)
        #expect(error.message.contains("must start with a lowercase letter or digit"), "\(error.message)")
    }

    @Test func anArtifactNameMayStartWithAnUppercaseLetterButNotAPunctuationMark() throws {
        try NameRules.checkArtifactName("BERT-base", context: "name")
        let error = try #require(throws: RegistryError.self) {
            try NameRules.checkArtifactName("-bert", context: "name")
        }
        #expect(error.message.contains("must start with a letter or digit"), "\(error.message)")
        #expect(!error.message.contains("lowercase"))
    }
}
