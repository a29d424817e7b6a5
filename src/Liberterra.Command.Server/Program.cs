using Liberterra.Command.Server.Hosting;

var app = LiberterraServer.Build(args);
app.Run();

/// <summary>The server's entry point (public so tests can reference the assembly).</summary>
public partial class Program;
