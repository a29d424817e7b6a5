using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Channels;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Live;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Server.Tak;

/// <summary>
/// The CoT streaming endpoint as TAK Server offers it: TLS on <see cref="TakOptions.Port"/> with client certificates from
/// the deployment's TAK CA. A certificate not signed by that CA, not enrolled, or revoked is refused at the handshake.
/// A connected device gets its operation's teams and hotspots as CoT (as its team's agency sees them) and then every
/// change; its position moves its team (a PositionReported event, sampled), its 911 alert is its team's distress call,
/// its cancel withdraws it, and its GeoChat is a message to command (MessageSent, read on the command page). Its pings
/// are answered. Everything a device sends is read by <see cref="CotXml"/> (no DTD, 64 KiB, checked); a malformed
/// stream, a sender that trickles an event (<see cref="TakOptions.EventSeconds"/>) or one that claims another's uid is
/// refused and audited, and closes only its own connection. For a lab, <see cref="TakLabOptions"/> adds a plain TCP
/// port whose connections all act for one configured team.
/// </summary>
public sealed partial class TakEndpoint(
    TakOptions options, IServiceProvider services, ITakDevices registry, IGrainFactory grains, Watchers watchers, Viewpoints viewpoints,
    AuditTrail audit, TimeProvider clock, ILogger<TakEndpoint> logger) : BackgroundService, IBatchListener
{
    private readonly ConcurrentDictionary<string, Device> _devices = new(StringComparer.Ordinal);

    // When each team's last position went into the timeline ("{operation}/{team}"), for the sampling.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _sampled = new(StringComparer.Ordinal);
    private TcpListener? _listener;
    private TcpListener? _lab;
    private TakAuthority? _authority;

    private TimeSpan IdleLimit => TimeSpan.FromSeconds(options.IdleSeconds);

    private TimeSpan EventLimit => TimeSpan.FromSeconds(options.EventSeconds);

    /// <summary>Where it listens (for tests and the start-up log); null until it does.</summary>
    public IPEndPoint? Endpoint => _listener?.LocalEndpoint as IPEndPoint;

    /// <summary>Where the plain lab port listens, when configured.</summary>
    public IPEndPoint? LabEndpoint => _lab?.LocalEndpoint as IPEndPoint;

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Listening => _listening.Task;

    /// <summary>Devices connected to this silo now (past the handshake).</summary>
    public int Connected => _devices.Count;

    private sealed class Device(string id, string operationId, string? teamId, string serial, string name, string address)
    {
        public string Id { get; } = id;
        public string OperationId { get; } = operationId;
        public string? TeamId { get; } = teamId;
        public string Serial { get; } = serial;
        public string Name { get; } = name;
        public string Address { get; } = address;
        public string? Uid { get; set; }
        public Viewpoint View { get; set; } = Viewpoint.Everything;
        public Dictionary<string, RegionDefinition> Regions { get; set; } = [];

        /// <summary>Whether what it sends is now TAK protocol version 1 (protobuf) rather than XML.</summary>
        public bool ReadsProtobuf { get; set; }

        public TakOutbox Outbox { get; } = new();
        public CancellationTokenSource Closed { get; } = new();
    }

    // The relay's batches, fanned out to the devices by a loop of their own: the relay (and so the walls) never waits
    // on TAK devices.
    private readonly Channel<(string OperationId, CommittedEvent[] Batch)> _batches =
        Channel.CreateUnbounded<(string, CommittedEvent[])>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            _listening.TrySetResult();
            return;
        }

        // The CA is read (or created) only by a silo that listens, or when a device is enrolled.
        _authority = services.GetRequiredService<TakAuthority>();
        var certificate = _authority.IssueServer(options.Host ?? "localhost", clock.GetUtcNow());
        _listener = new TcpListener(IPAddress.Any, options.Port);
        _listener.Start();
        LogListening(Endpoint!.Port);
        if (options.Lab.Port is { } labPort)
        {
            _lab = new TcpListener(IPAddress.Any, labPort);
            _lab.Start();
            LogLab(LabEndpoint!.Port, options.Lab.Operation!, options.Lab.Team!);
        }

        _listening.TrySetResult();
        await Task.WhenAll(
            FanOut(stoppingToken),
            Accept(_listener, client => Serve(client, certificate, stoppingToken), stoppingToken),
            _lab is null ? Task.CompletedTask : Accept(_lab, client => ServeLab(client, stoppingToken), stoppingToken));
    }

    private static async Task Accept(TcpListener listener, Func<TcpClient, Task> serve, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken);
                _ = serve(client);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task Serve(TcpClient client, X509Certificate2 certificate, CancellationToken stopping)
    {
        var address = (client.Client.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown";
        using var _ = client;
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        string? refusal = null;
        TakDevice? enrolled = null;
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            handshake.CancelAfter(TimeSpan.FromSeconds(15));
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                // Refused here, at the handshake: not our CA's, not enrolled, or revoked.
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                {
                    (enrolled, refusal) = Check(presented as X509Certificate2 ?? (presented is null ? null : X509CertificateLoader.LoadCertificate(presented.GetRawCertData())));
                    return refusal is null;
                },
            }, handshake.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            await Audit("TAK connect", "-", address, enrolled?.Serial, refusal ?? $"TLS handshake failed ({e.GetType().Name})", StatusCodes.Status403Forbidden);
            return;
        }

        await Session(new Device(Guid.NewGuid().ToString("N"), enrolled!.OperationId, enrolled.TeamId, enrolled.Serial, enrolled.Device, address), tls, stopping);
    }

    /// <summary>A plain TCP lab connection: no handshake, no certificate; it acts for the configured team.</summary>
    private async Task ServeLab(TcpClient client, CancellationToken stopping)
    {
        var address = (client.Client.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown";
        using var _ = client;
        await using var stream = client.GetStream();
        var id = Guid.NewGuid().ToString("N");
        await Session(new Device(id, options.Lab.Operation!, options.Lab.Team, $"lab-{id}", $"lab device {address}", address), stream, stopping);
    }

    /// <summary>A connected device, whichever port: the picture, then what it sends and what changes, until either side stops.</summary>
    private async Task Session(Device device, Stream stream, CancellationToken stopping)
    {
        _devices[device.Id] = device;
        try
        {
            if (!await Greet(device))
            {
                await Audit("TAK connect", Target(device), device.Address, device.Serial, "no such operation or team", StatusCodes.Status404NotFound);
                return;
            }

            await Audit("TAK connect", Target(device), device.Address, device.Serial, null, StatusCodes.Status200OK);
            using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, device.Closed.Token);
            await Task.WhenAll(Read(device, stream, both), Write(device, stream, both.Token));
        }
        finally
        {
            _devices.TryRemove(device.Id, out var _);
            watchers.LeaveAll(TakConnection(device));
        }
    }

    private (TakDevice? Device, string? Refusal) Check(X509Certificate2? presented)
    {
        if (presented is null) return (null, "no client certificate");
        if (!_authority!.Issued(presented)) return (null, "a certificate not signed by this deployment's TAK CA");
        if (TakAuthority.BindingOf(presented) is not { } binding) return (null, "a certificate bound to no operation");
        var enrolled = registry.FindAsync(TakAuthority.SerialOf(presented)).GetAwaiter().GetResult();
        if (enrolled is null || enrolled.OperationId != binding.OperationId || enrolled.TeamId != binding.TeamId) return (null, "a certificate not enrolled");
        return enrolled.Revoked ? (enrolled, "a revoked certificate") : (enrolled, null);
    }

    private static string TakConnection(Device device) => $"tak:{device.Id}";

    private static string Target(Device device) => device.TeamId is { } team ? $"{device.OperationId}/{team}" : device.OperationId;

    /// <summary>Joins the operation's changes, then sends what the device's agency sees of it now.</summary>
    private async Task<bool> Greet(Device device)
    {
        var state = await grains.GetGrain<IOperationGrain>(device.OperationId).GetState();
        if (state is null || (device.TeamId is { } bound && !state.Teams.ContainsKey(bound))) return false;
        var agency = device.TeamId is { } team ? AgencyOf(state, team) : null;
        device.View = Viewpoint.Of(state, agency);
        device.Regions = state.Regions.Values.ToDictionary(r => r.Id, r => r.Definition, StringComparer.Ordinal);
        viewpoints.Update(device.OperationId, state.LastSeq, device.View.Rules);
        watchers.Join(TakConnection(device), device.OperationId, device.View.Key);
        var shown = device.View.State(state);
        var now = clock.GetUtcNow();
        Send(device, TakProtocol.Offer(now));
        foreach (var region in shown.Regions.Values) Send(device, CotOfOperation.Region(shown, region, now));
        foreach (var t in shown.Teams.Values) Send(device, new TakEncoded(CotOfOperation.Team(shown, t, now), seq: t.LastSeq));
        if (device.TeamId is { } own)
            foreach (var order in shown.Orders.Values.Where(o => o.AwaitsAnswerFrom(own)))
                Send(device, CotOfOperation.Order(shown.Id, order, device.Uid ?? own, now));
        return true;
    }

    // A team's agency, when the operation lists agencies (its device sees what that agency sees).
    private static string? AgencyOf(OperationState state, string teamId) =>
        state.Agencies.Length > 0 ? state.Teams.GetValueOrDefault(teamId)?.Definition.Agency : null;

    /// <summary>The relay's committed batch for an operation, handed to the fan-out loop (nothing is done on the relay's).</summary>
    public void Send(string operationId, CommittedEvent[] batch)
    {
        if (!_devices.IsEmpty) _batches.Writer.TryWrite((operationId, batch));
    }

    /// <summary>
    /// Each batch to the devices of its operation on this silo: per agency's view, each changed team is built and
    /// encoded once and shared by that view's devices (whose outboxes keep only each team's newest); orders go to the
    /// devices of the teams they reach.
    /// </summary>
    private async Task FanOut(CancellationToken ct)
    {
        try
        {
            await foreach (var (operationId, batch) in _batches.Reader.ReadAllAsync(ct))
            {
                var now = clock.GetUtcNow();
                foreach (var view in _devices.Values.Where(d => d.OperationId == operationId).GroupBy(d => d.View.Key))
                {
                    var devices = view.ToList();
                    var (seen, regions) = (devices[0].View, devices[0].Regions);
                    foreach (var c in batch)
                    {
                        var shown = seen.Committed(c);
                        if (shown.Team is { } team)
                        {
                            var encoded = new TakEncoded(CotOfOperation.Team(operationId, regions.GetValueOrDefault(team.Definition.RegionId), team, now), seq: team.LastSeq);
                            foreach (var device in devices) Send(device, encoded);
                        }

                        if (shown.Event.Payload is OrderIssued && shown.Order is { } order)
                            foreach (var device in devices.Where(d => d.TeamId is { } own && order.Recipients.Contains(own)))
                                Send(device, CotOfOperation.Order(operationId, order, device.Uid ?? device.TeamId!, now));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void Send(Device device, CotEvent e, bool thenProtobuf = false) => Send(device, new TakEncoded(e, thenProtobuf));

    private void Send(Device device, TakEncoded e)
    {
        if (device.Outbox.Put(e)) return;
        // Too slow (it stopped reading): dropped, as a slow wall is; it reconnects and is sent the picture again.
        LogTooSlow(device.Name, TakOutbox.MaxPending);
        device.Closed.Cancel();
    }

    /// <summary>Writes what waits for the device, all of it at once (one TLS write per 64 KiB, not per event).</summary>
    private static async Task Write(Device device, Stream tls, CancellationToken ct)
    {
        var protobuf = false;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (true)
            {
                foreach (var e in await device.Outbox.TakeAsync(ct))
                {
                    buffer.Write(protobuf ? e.Protobuf : e.Xml);
                    protobuf |= e.ThenProtobuf;
                    if (buffer.WrittenCount < 64 * 1024) continue;
                    await tls.WriteAsync(buffer.WrittenMemory, ct);
                    buffer.ResetWrittenCount();
                }

                if (buffer.WrittenCount > 0) await tls.WriteAsync(buffer.WrittenMemory, ct);
                buffer.ResetWrittenCount();
                await tls.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            device.Closed.Cancel();
        }
    }

    private async Task Read(Device device, Stream tls, CancellationTokenSource both)
    {
        var framer = new CotFramer();
        var proto = new TakProtocolFramer();
        var buffer = new byte[16 * 1024];
        // When the event now arriving began (its first byte); it must be whole within EventLimit.
        DateTimeOffset? started = null;
        try
        {
            while (true)
            {
                var limit = IdleLimit;
                if (started is { } since)
                {
                    var left = since + EventLimit - clock.GetUtcNow();
                    if (left <= TimeSpan.Zero)
                    {
                        await Refuse(device, $"an event not finished within {options.EventSeconds} s (a slow writer)");
                        return;
                    }

                    limit = left < limit ? left : limit;
                }

                using var idle = CancellationTokenSource.CreateLinkedTokenSource(both.Token);
                idle.CancelAfter(limit);
                int read;
                try
                {
                    read = await tls.ReadAsync(buffer, idle.Token);
                }
                catch (OperationCanceledException) when (!both.IsCancellationRequested)
                {
                    // Whichever came first: the unfinished event's time, or the silence's.
                    await Refuse(device, started is null ? $"silent for {options.IdleSeconds} s" : $"an event not finished within {options.EventSeconds} s (a slow writer)");
                    return;
                }

                if (read == 0) return;
                if (device.ReadsProtobuf) proto.Append(buffer.AsSpan(0, read));
                else if (!framer.Append(buffer.AsSpan(0, read)))
                {
                    await Refuse(device, $"an event over {CotXml.MaxEventBytes} bytes");
                    return;
                }

                while (true)
                {
                    string? xml, error = null;
                    if (device.ReadsProtobuf)
                    {
                        if (!proto.TryTake(out var payload, out error))
                        {
                            if (error is null) break;
                            await Refuse(device, error);
                            return;
                        }

                        xml = TakProtocol.ToXml(payload, out error);
                        if (xml is null && error is null) continue;         // a TakControl alone: nothing for command
                    }
                    else if (!framer.TryTake(out xml)) break;

                    if ((xml is null ? null : CotXml.Parse(xml, out error)) is not { } e)
                    {
                        await Refuse(device, error!);
                        return;
                    }

                    var wasXml = !device.ReadsProtobuf;
                    await Handle(device, e);
                    if (wasXml && device.ReadsProtobuf) proto.Append(framer.TakeRest());
                }

                started = (device.ReadsProtobuf ? proto.HasPartialEvent : framer.HasPartialEvent) ? started ?? clock.GetUtcNow() : null;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closed by the device, by the server stopping, or as too slow.
        }
        finally
        {
            await both.CancelAsync();
        }
    }

    private async Task Refuse(Device device, string why)
    {
        await Audit("TAK event", Target(device), device.Address, device.Serial, why, StatusCodes.Status400BadRequest);
        LogRefused(device.Name, why);
    }

    /// <summary>
    /// What a device's event does: a ping is answered; its position moves its team (sampled:
    /// <see cref="TakOptions.SampleSeconds"/>), its 911 alert raises its team's distress call, its cancel withdraws it,
    /// its GeoChat is a message to command. Anything else a device says (receipts, deletions, its own markers) is not
    /// for command and is let go.
    /// </summary>
    private async Task Handle(Device device, CotEvent e)
    {
        if (e.IsPing)
        {
            Send(device, CotOfOperation.Pong(clock.GetUtcNow()));
            return;
        }

        // The TAK protocol negotiation: a client asks for version 1 (offered at greeting), is answered, and from then on
        // both sides speak it.
        if (e.Type == "t-x-takp-q")
        {
            var accepted = e.Control?.Request == TakProtocol.Version && !device.ReadsProtobuf;
            Send(device, TakProtocol.Answer(accepted, clock.GetUtcNow()), thenProtobuf: accepted);
            device.ReadsProtobuf |= accepted;
            return;
        }

        if (!(e.IsPosition || e.IsEmergency || e.IsEmergencyCancel || e.IsChat)) return;

        // A device speaks for itself: the uid it first used, or what derives from it (its alert, its chats); never ours.
        var own = device.Uid is null || e.Uid == device.Uid || e.Uid.StartsWith(device.Uid + "-", StringComparison.Ordinal)
                  || e.Uid.StartsWith($"GeoChat.{device.Uid}.", StringComparison.Ordinal);
        if (e.Uid.StartsWith("liberterra.", StringComparison.Ordinal) || !own)
        {
            await Audit("TAK event", Target(device), device.Address, device.Serial, "an event under another's uid", StatusCodes.Status403Forbidden);
            return;
        }

        if (device.Uid is null && e.IsPosition) device.Uid = e.Uid;
        if (device.TeamId is not { } team) return;                  // a command device only watches
        var key = $"{device.Serial[..16]}-{e.Time.UtcTicks}";
        if (e.IsPosition)
        {
            var now = clock.GetUtcNow();
            var last = _sampled.GetValueOrDefault($"{device.OperationId}/{team}");
            if (now - last < TimeSpan.FromSeconds(options.SampleSeconds)) return;
            _sampled[$"{device.OperationId}/{team}"] = now;
            await Submit(device, team, $"tak-pos-{key}", e.Time, new PositionReported(new GeoPoint(e.Point.Lat, e.Point.Lon), $"TAK {device.Name}"));
        }
        else if (e.IsEmergency)
            await Submit(device, team, $"tak-911-{key}", e.Time, new DistressRaised(new GeoPoint(e.Point.Lat, e.Point.Lon)));
        else if (e.IsEmergencyCancel)
        {
            if ((await grains.GetGrain<IOperationGrain>(device.OperationId).GetState())?.OpenDistressOf(team) is { } call)
                await Submit(device, team, $"tak-cancel-{key}", e.Time, new DistressCancelled(call.Seq, "cancelled from TAK"));
        }
        else if (e.Remarks is { Length: > 0 } text)
        {
            // Every GeoChat a team's device sends goes to command (this server relays no chat between devices). A message
            // refused (too long, not plain text) is answered in the same chat, so the sender knows it did not arrive.
            if (await Submit(device, team, $"tak-chat-{key}", e.Time, new MessageSent(text, $"TAK {device.Name}")) is { } refused)
                Send(device, CotOfOperation.Reply(device.OperationId, $"Not delivered to command: {refused}", device.Uid ?? e.Chat?.Id ?? team, clock.GetUtcNow()));
        }
    }

    /// <summary>Submits the team's event; the refusal's words when the operation refuses it (audited either way).</summary>
    private async Task<string?> Submit(Device device, string team, string key, DateTimeOffset clientTime, EventPayload payload)
    {
        var now = clock.GetUtcNow();
        // A device's clock may be anywhere: the rules' window decides, and a time outside it is sent as now.
        var time = clientTime > now.Add(OperationRules.MaxClientClockAhead) || clientTime < now - OperationRules.MaxClientClockBehind ? now : clientTime;
        var outcome = await grains.GetGrain<IOperationGrain>(device.OperationId).Submit(new TeamCommand(device.OperationId, team, key, $"tak:{device.Name}", time.ToUniversalTime(), payload));
        if (outcome.Error is { } refused)
        {
            await Audit($"TAK {payload.Kind}", Target(device), device.Address, device.Serial, refused.Detail, StatusCodes.Status422UnprocessableEntity);
            return refused.Detail;
        }

        await Audit($"TAK {payload.Kind}", Target(device), device.Address, device.Serial, null, StatusCodes.Status201Created);
        return null;
    }

    private ValueTask Audit(string action, string target, string address, string? serial, string? refusal, int status) =>
        audit.RecordAsync(new AuditEntry(clock.GetUtcNow(), serial is null ? "tak:unknown" : $"tak:{serial}", "tak-device", action, target,
            refusal is null, status, address, JsonSerializer.Serialize(new { reason = refusal })));

    [LoggerMessage(Level = LogLevel.Information, Message = "TAK CoT endpoint listening on port {Port} (TLS, client certificates)")]
    private partial void LogListening(int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TAK lab port {Port} listening: plain TCP, no authentication, every connection acts for {Operation}/{Team}. For a lab only.")]
    private partial void LogLab(int port, string operation, string team);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TAK device {Device} refused: {Reason}")]
    private partial void LogRefused(string device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TAK device {Device} disconnected: {Pending} different events waiting for it")]
    private partial void LogTooSlow(string device, int pending);
}
