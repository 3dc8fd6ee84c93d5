using System.Text.Json;
using MLSae.Diagnostics;
using MLSae.Transformers.GptNeoX;

namespace MLSae.Transformers.Hub;

/// <summary>Fetches the files of a Hugging Face GPT-NeoX checkpoint (config, tokenizer, safetensors weights, single or sharded).</summary>
public static class HubCheckpointFetcher
{
    /// <summary>
    /// Downloads config.json, tokenizer.json and model.safetensors (or model.safetensors.index.json
    /// and its shards) of <paramref name="repoId"/> at <paramref name="revision"/>; returns the
    /// snapshot folder, a checkpoint folder <see cref="GptNeoXCheckpoint.Load"/> reads.
    /// </summary>
    public static async Task<string> FetchAsync(HubDownloader downloader, string repoId, string revision = HubDefaults.Revision,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(downloader);
        var config = await downloader.DownloadFileAsync(repoId, GptNeoXCheckpoint.ConfigFileName, revision, progress, cancellationToken).ConfigureAwait(false);
        GptNeoXConfig.Load(config); // fail early on an unsupported architecture, before the big download
        await downloader.DownloadFileAsync(repoId, GptNeoXCheckpoint.TokenizerFileName, revision, progress, cancellationToken).ConfigureAwait(false);
        try
        {
            await downloader.DownloadFileAsync(repoId, GptNeoXCheckpoint.WeightsFileName, revision, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (HubRequestException e) when (e.IsEntryNotFound)
        {
            string index;
            try
            {
                index = await downloader.DownloadFileAsync(repoId, GptNeoXCheckpoint.IndexFileName, revision, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (HubRequestException e2) when (e2.IsEntryNotFound)
            {
                throw new HubRequestException($"{repoId}@{revision} has neither {GptNeoXCheckpoint.WeightsFileName} nor {GptNeoXCheckpoint.IndexFileName}. MLSae reads safetensors only; pick a revision that has them.", e2.Status, e2.ErrorCode);
            }
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            foreach (var shard in doc.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order(StringComparer.Ordinal))
                await downloader.DownloadFileAsync(repoId, shard, revision, progress, cancellationToken).ConfigureAwait(false);
        }
        return Path.GetDirectoryName(config)!;
    }
}
