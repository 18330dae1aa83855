export { listLogFiles, type ListLogFilesOptions, type SkippedObject } from './listLogFiles.js'
export { listLocalLogFiles, type ListLocalLogFilesOptions } from './listLocalLogFiles.js'
export { parseLogFileKey, type LogFile, type LogFileName, type LogObject } from './parseLogFileKey.js'
export { filterLogFiles, byTime, byAccount, byRegion, byFlowLogId, type LogFilePredicate } from './filterLogFiles.js'
export {
  prefetch,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_BYTES,
  DEFAULT_STALL_TIMEOUT,
  MAX_BACKOFF,
  type PrefetchOptions,
  type FetchedLogFile,
} from './prefetch.js'
export { concatBodies, DEFAULT_MAX_TEXT_BYTES, type ConcatBodiesOptions, type StoredBody } from './concatBodies.js'
export { digest, DEFAULT_MAX_MEMORY, type DigestOptions } from './digest/digest.js'
export { toDot, DOT_ATTRIBUTE_PREFIX, type ToDotOptions } from './toDot.js'
export { FlowLogError, type ErrorLocation, type FlowLogErrorCode } from './errors.js'
export { DEFAULT_FIELDS, FIELDS, KNOWN_FIELDS, type FieldInfo, type Format } from './format.js'
export { DEFAULT_MAX_LINE_LENGTH, type LogText } from './flowLogText.js'
export { records, type FlowLogRecord, type RecordsOptions } from './records.js'
export { toText, type ToTextOptions } from './toText.js'
export { skipReport, type SkipReport } from './skipReport.js'
export { diffMaps, DEFAULT_THRESHOLD, type ChangeStatus, type DiffMapsOptions, type MapChange, type MapDiff, type MapStatus, type ServiceChange } from './map/diffMaps.js'
export { diffToText, diffToNdjson } from './map/diffToText.js'
export type { GroupBy, MapCluster, MapEdge, MapNode, NetworkMap, NodeKind, Service, Traffic, Volume } from './map/networkMap.js'
export { toNetworkMap, buildNetworkMap, type NetworkMapOptions } from './map/toNetworkMap.js'
export { INTERNET_IN, INTERNET_OUT, MAX_NODE_ADDRESSES } from './map/grouping.js'
export { mapToDot, type MapToDotOptions } from './map/mapToDot.js'
export { mapToHtml, mapHtml, type MapToHtmlOptions } from './map/mapToHtml.js'
export { readNames, nameNodes, namesOfInterfaces, interfaceName, type NetworkInterfaceDescription } from './map/names.js'
export {
  athenaDigest,
  planAthenaDigest,
  athenaPrice,
  DEFAULT_DATABASE,
  type AthenaDigestOptions,
  type AthenaPlan,
  type AthenaProgress,
} from './athena/athenaDigest.js'
export { ec2Names, type Ec2NamesOptions } from './map/ec2Names.js'
