using System.CommandLine;
using Liberterra.Command.Bench;

// Without a sub-command: the end-to-end benchmark against running silos; the focused ones are sub-commands.
var root = new RootCommand("liberterra-bench: the end-to-end benchmark against running silos (and, as sub-commands, the focused ones). Writes to the database directly: for test deployments only.")
{
    StorageBenchmark.Create(), WallBenchmark.Create(), TimelineBenchmark.Create(), FailoverBenchmark.Create(), TakBenchmark.Create(), CompareCommand.Create(), EchoHubServer.Create(),
};
root.Options.Add(ServerOptions.Server);
root.Options.Add(ServerOptions.Token);
EndToEndBenchmark.Configure(root);
return await root.Parse(args).InvokeAsync();
