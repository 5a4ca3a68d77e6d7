export {iqmCurves, type IqmCurveOptions, type IqmCurvePoint, type IqmCurve, type IqmCurvesResult} from "./iqm-curve.js";
