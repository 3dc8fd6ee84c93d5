using Amazon.Runtime;
using Amazon.S3;

namespace MLSae.Runs.Storage;

/// <summary>How <see cref="ObjectStoreFolder"/> reaches the object store. Credentials always come from the AWS SDK's default chain.</summary>
public sealed record ObjectStoreOptions
{
    /// <summary>Options with the defaults.</summary>
    public ObjectStoreOptions() { }

    /// <summary>
    /// The endpoint of an S3-compatible service (MinIO, Ceph, R2: "http://host:9000"); null takes <c>AWS_ENDPOINT_URL_S3</c>,
    /// then <c>AWS_ENDPOINT_URL</c>, else AWS itself.
    /// </summary>
    public string? ServiceUrl { get; init; }
    /// <summary>Region for signing; null takes the SDK's (AWS_REGION, profile), else us-east-1 for a custom endpoint.</summary>
    public string? Region { get; init; }
    /// <summary>Retries of a failed request (the SDK's default is 4).</summary>
    public int MaxErrorRetry { get; init; } = 4;

    /// <summary>
    /// A client for these options: the SDK's default credential chain (environment, shared profile, web identity,
    /// instance metadata); path-style addressing and checksums only where required for a custom endpoint, which
    /// S3-compatible servers need.
    /// </summary>
    public IAmazonS3 CreateClient(AWSCredentials? credentials = null)
    {
        var url = ServiceUrl ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        var config = new AmazonS3Config { MaxErrorRetry = MaxErrorRetry };
        if (!string.IsNullOrEmpty(url))
        {
            config.ServiceURL = url;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else if (Region is not null) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(Region);
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }
}
