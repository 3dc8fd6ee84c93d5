using System.CommandLine;
using MLSae.Cli.Rendering;
using MLSae.Runs.Storage;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae sync SRC DST`: copies a finished cache or run folder to s3://bucket/prefix (push) or from it (pull).</summary>
static class SyncCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "A local folder (push) or s3://bucket/prefix (pull)." };
        var destination = new Argument<string>("destination") { Description = "s3://bucket/prefix (push) or a local folder (pull)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "S3-compatible endpoint (MinIO, Ceph, R2), e.g. http://host:9000; default AWS_ENDPOINT_URL_S3, else AWS. Credentials come from the AWS SDK's default chain." };
        var command = new Command("sync", "Copy an activation cache or run folder to or from S3-compatible object storage (the listing is written last; run again to resume).")
        {
            source, destination, endpoint,
        };
        command.SetAction(parse => CliErrors.Guard("sync", () =>
        {
            string src = parse.GetValue(source)!, dst = parse.GetValue(destination)!;
            bool push = ObjectStoreLocation.IsObjectStore(dst), pull = ObjectStoreLocation.IsObjectStore(src);
            if (push == pull) throw new ArgumentException("Give exactly one s3://bucket/prefix: sync LOCAL s3://... pushes, sync s3://... LOCAL pulls.");
            var store = new ObjectStoreFolder(new ObjectStoreOptions { ServiceUrl = parse.GetValue(endpoint) }.CreateClient());
            var done = push ? store.Push(src, ObjectStoreLocation.Parse(dst)) : store.Pull(ObjectStoreLocation.Parse(src), dst);
            AnsiConsole.MarkupLineInterpolated($"[green]{(push ? "pushed" : "pulled")}[/] {done.Transferred} of {done.Files} files ({done.Bytes:N0} bytes; the rest were there already) -> {dst}");
            return 0;
        }));
        return command;
    }
}
