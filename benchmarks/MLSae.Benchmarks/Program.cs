using BenchmarkDotNet.Running;
using MLSae.Benchmarks;
using MLSae.Benchmarks.Memory;

// dotnet run -c Release --project benchmarks/MLSae.Benchmarks -- [--quick] [BenchmarkDotNet args, e.g. --filter *Scoring*]
// dotnet run -c Release --project benchmarks/MLSae.Benchmarks -- --memory SCENARIO ARGS   (see eng/bench-memory.sh)
// dotnet run -c Release --project benchmarks/MLSae.Benchmarks -- --extraction-timing [--max-tokens N] [--repeat R] ...   (ExtractionTiming)
if (args.Length > 0 && args[0] == "--memory") return MemoryProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "--width-invariance") return MLSae.Benchmarks.Extraction.WidthInvariance.Run(args[1..]);
if (args.Length > 0 && args[0] == "--window-slots") return MLSae.Benchmarks.Extraction.WindowSlots.Run(args[1..]);
if (args.Length > 0 && args[0] == "--extraction-precision") return MLSae.Benchmarks.Extraction.ExtractionPrecision.Run(args[1..]);
if (args.Length > 0 && args[0] == "--extraction-timing") return MLSae.Benchmarks.Extraction.ExtractionTiming.Run(args[1..]);
if (OperatingSystem.IsLinux() && !SteadyState.SingleArena)
    Console.Error.WriteLine("warning: MALLOC_ARENA_MAX is not 1, so training-step benchmarks will mostly measure page faults " +
        "(BenchmarkDotNet's thread cannot reuse 64 MB blocks); eng/bench.sh sets it.");
var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, BenchConfig.Create(quick));
return 0;
