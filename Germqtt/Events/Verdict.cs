namespace Germqtt.Events;

public enum Verdict { Publish, Filtered, Private }
