using System.Diagnostics;
using MLSae.Activations;
using MLSae.Evaluation.Concepts;
using MLSae.Evaluation.Probing;

namespace MLSae.Runs;

public static partial class RunEvaluation
{
    /// <summary>SCR and/or TPP: the labelled texts run through the SAE's model to its hook; scr.json / tpp.json (SAEBench's shape) beside eval.json.</summary>
    static (ConceptRun<ScrResult>? Scr, ConceptRun<TppResult>? Tpp) Concepts(Subject s, string outDir, RunEvaluationOptions o, IRunProgress progress)
    {
        var weights = s.Weights;
        var cache = s.Cache;
        var spec = o.Model ?? NonEmpty(cache?.Manifest.Model) ?? weights.Info.ModelName
            ?? throw new ArgumentException("RunEvaluationOptions.Scr and RunEvaluationOptions.Tpp run texts through the SAE's model, but neither the activations nor the SAE name one: set RunEvaluationOptions.Model (e.g. minilm-l6).");
        var hook = o.Hook ?? weights.Info.HookName ?? NonEmpty(cache?.Manifest.Hook)
            ?? throw new ArgumentException("RunEvaluationOptions.Scr and RunEvaluationOptions.Tpp read the SAE's hook, but neither the SAE nor the activations name one: set RunEvaluationOptions.Hook (e.g. blocks.3.hook_resid_post).");
        int context = cache is { Manifest.Context: > 0 } ? cache.Manifest.Context : ExtractionDefaults.ContextLength;
        var model = ModelSources.Resolve(spec);
        using var source = ExtractorTextActivations.Create(model, hook, new ExtractionOptions { ContextLength = context, BatchSize = 1 });
        ConceptRunInfo Info(string data, int texts, double seconds) => new()
        {
            ModelName = spec, HookName = hook, SaeSource = Path.GetFullPath(s.SaeSource), DataSource = Path.GetFullPath(data),
            ContextLength = context, Texts = texts, FeatureCount = weights.FeatureCount, Seconds = seconds,
        };
        ConceptRun<ScrResult>? scr = null;
        if (o.Scr is { } scrRequest)
        {
            var clock = Stopwatch.StartNew();
            var texts = ConceptTextReader.Read(scrRequest.Data, [scrRequest.LabelA, scrRequest.LabelB], o.TextField);
            var data = progress.Stage("scr texts", p => ConceptData.Build(texts, source, weights, p));
            var result = progress.Stage("scr", p => new ScrEvaluator(scrRequest.Options).Evaluate(data, scrRequest.LabelA, scrRequest.LabelB, p));
            var path = Path.Combine(outDir, ConceptJsonWriter.ScrFileName);
            ConceptJsonWriter.WriteScr(path, result, Info(scrRequest.Data, texts.Count, clock.Elapsed.TotalSeconds));
            scr = new ConceptRun<ScrResult>(result, path);
        }
        ConceptRun<TppResult>? tpp = null;
        if (o.Tpp is { } tppRequest)
        {
            var clock = Stopwatch.StartNew();
            var texts = ConceptTextReader.Read(tppRequest.Data, [tppRequest.Label], o.TextField);
            var data = progress.Stage("tpp texts", p => ConceptData.Build(texts, source, weights, p));
            var result = progress.Stage("tpp", p => new TppEvaluator(tppRequest.Options).Evaluate(data, tppRequest.Label, p));
            var path = Path.Combine(outDir, ConceptJsonWriter.TppFileName);
            ConceptJsonWriter.WriteTpp(path, result, Info(tppRequest.Data, texts.Count, clock.Elapsed.TotalSeconds));
            tpp = new ConceptRun<TppResult>(result, path);
        }
        return (scr, tpp);
    }
}
