namespace MLSae.Tests.Storage;

/// <summary>A fact that needs Node.js (to run the s3rver test server); skipped with the reason when node is missing.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (S3rverServer.FindNode() is null)
            Skip = "node is not on PATH: the object-storage tests run against s3rver (eng/s3rver, installed by .ci/run with npm ci) and cannot start it.";
    }
}
