using System.CommandLine;

namespace MLSae.Cli.Commands;

/// <summary>Every subcommand of mlsae, in the order help lists them (the pipeline's order).</summary>
static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        DoctorCommand.Create(),
        FetchCommand.Create(),
        ImportHfCommand.Create(),
        InspectCommand.Create(),
        ExtractCommand.Create(), CacheCommand.Create(), SyncCommand.Create(),
        TrainCommand.Create(),
        ReorderCommand.Create(),
        TruncateCommand.Create(),
        CompareCommand.Create(),
        EvalCommand.Create(),
        InterveneCommand.Create(),
        ExperimentCommand.Create(),
        ScoreCommand.Create(),
        BrowseCommand.Create(),
        ExportCommand.Create(),
    ];
}
