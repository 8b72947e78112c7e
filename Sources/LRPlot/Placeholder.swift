public enum LRPlotPlaceholder {}
