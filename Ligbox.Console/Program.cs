var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => "ok");
app.Run();

/// <summary>Entry point, public so WebApplicationFactory can reach it in tests.</summary>
public partial class Program;
