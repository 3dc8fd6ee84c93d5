using System.Reflection;
using PublicApiGenerator;

namespace MLSae.Tests.PublicApi;

/// <summary>
/// The public API of each library, compared with the approved baseline beside this file, so an API change is a
/// deliberate, reviewed diff. On a difference the test writes {Assembly}.received.txt next to the baseline: read
/// it, and if the change is intended copy it over {Assembly}.approved.txt. The catalogs in namespace Microsoft.ML are included.
/// </summary>
public class PublicApiTests
{
    public static TheoryData<string> Libraries => new() { "MLSae", "MLSae.TorchSharp", "MLSae.Reporting", "MLSae.Runs" };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void PublicApiMatchesTheApprovedBaseline(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false, AllowNamespacePrefixes = ["Microsoft.ML"] }).ReplaceLineEndings("\n");
        var folder = Path.Combine(RepoPaths.Root, "tests", "MLSae.Tests", "PublicApi");
        var approved = Path.Combine(folder, assemblyName + ".approved.txt");
        var received = Path.Combine(folder, assemblyName + ".received.txt");
        var expected = File.Exists(approved) ? File.ReadAllText(approved).ReplaceLineEndings("\n") : "";
        if (api == expected)
        {
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, api);
        Assert.Fail($"The public API of {assemblyName} differs from {approved}. Compare it with {received}; if the change is intended, copy the received file over the approved one.");
    }
}
