using System.CommandLine;

namespace Liberterra.Command.Cli;

/// <summary><c>liberterra timeline export</c>: the operation's timeline (CSV, JSON) or its map layers (GeoJSON, KML, KMZ), streamed.</summary>
internal static class TimelineCommands
{
    private static readonly Dictionary<string, string> Paths = new()
    {
        ["csv"] = "export/timeline.csv",
        ["json"] = "export/timeline.json",
        ["hotspots"] = "export/hotspots.geojson",
        ["positions"] = "export/positions.geojson",
        ["kml"] = "export/operation.kml",
        ["kmz"] = "export/operation.kmz",
    };

    public static System.CommandLine.Command Create()
    {
        var format = new Option<string>("--format") { Description = "csv, json (the timeline), hotspots or positions (GeoJSON), kml or kmz (the map for Google Earth: hotspots, time-stamped positions, tracks).", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong([.. Paths.Keys]);
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write to this file (default: standard output)." };
        var export = new System.CommandLine.Command("export", "Export the timeline or the map layers; any size, streamed.") { FieldCommands.Operation, format, output };
        export.SetAction(async (parse, ct) =>
        {
            using var http = ServerOptions.Client(parse);
            http.Timeout = Timeout.InfiniteTimeSpan;
            var path = $"/api/operations/{Uri.EscapeDataString(parse.GetValue(FieldCommands.Operation)!)}/{Paths[parse.GetValue(format)!]}";
            HttpResponseMessage response;
            try
            {
                response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"liberterra: cannot reach {http.BaseAddress}: {e.Message}");
                return 3;
            }

            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"liberterra: {await Problems.Describe(response)}");
                return 1;
            }

            await using var body = await response.Content.ReadAsStreamAsync(ct);
            if (parse.GetValue(output) is { } file)
            {
                await using var target = file.Create();
                await body.CopyToAsync(target, ct);
                await Console.Error.WriteLineAsync($"liberterra: wrote {target.Length:N0} bytes to {file.FullName}");
            }
            else
            {
                await using var stdout = Console.OpenStandardOutput();
                await body.CopyToAsync(stdout, ct);
            }

            return 0;
        });
        return new System.CommandLine.Command("timeline", "The operation's timeline, for the debrief.") { export };
    }
}
