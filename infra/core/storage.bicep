// The storage account and everything the app stores: the job queue and its poison queue, the raw
// JSON container, the metrics, job, link and watch-list tables, and the container Flex Consumption deploys from.
// Shared keys are off: every client (the Functions host, the app, people) signs in with Entra ID.
param name string
param location string
param tags object
param deploymentContainerName string

@description('Shared-key (account key) access. Off: every client signs in with Entra ID. On only when reporting by account key is opted in (main.bicep, reportingAccountKeyAccess).')
param allowSharedKeyAccess bool = false

@description('Raw blobs move to the cool tier this many days after they were written.')
@minValue(1)
param rawBlobCoolAfterDays int

@description('Raw blobs are deleted this many days after they were written; 0 keeps them forever.')
@minValue(0)
param rawBlobDeleteAfterDays int

// The app's contract names (README, "Storage layout"); lower-case tables on purpose (Power BI).
var rawContainerName = 'backlinks-raw'
// The Functions host names the poison queue after the jobs queue; the app reads the name from Storage__JobsQueue.
var jobsQueueName = 'backlink-jobs'
var queueNames = [jobsQueueName, '${jobsQueueName}-poison']
var tableNames = ['backlinkmetrics', 'backlinkmetricslatest', 'backlinkjobs', 'backlinkcontrol', 'backlinkrows', 'backlinkchanges', 'backlinkrefdomains', 'backlinkwatchlist']

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: allowSharedKeyAccess
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
    dnsEndpointType: 'Standard'
  }

  resource blobs 'blobServices' = {
    name: 'default'

    resource deployment 'containers' = {
      name: deploymentContainerName
    }

    resource raw 'containers' = {
      name: rawContainerName
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource queues 'queues' = [for queue in queueNames: {
      name: queue
    }]
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource tables 'tables' = [for table in tableNames: {
      name: table
    }]
  }

  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            name: 'raw-json-tiering'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: ['blockBlob']
                prefixMatch: ['${rawContainerName}/']
              }
              actions: {
                baseBlob: union(
                  { tierToCool: { daysAfterModificationGreaterThan: rawBlobCoolAfterDays } },
                  rawBlobDeleteAfterDays > 0 ? { delete: { daysAfterModificationGreaterThan: rawBlobDeleteAfterDays } } : {}
                )
              }
            }
          }
        ]
      }
    }
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output jobsQueueName string = jobsQueueName
