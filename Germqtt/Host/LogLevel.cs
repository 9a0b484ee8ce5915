namespace Germqtt.Host;

public enum LogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3 }
