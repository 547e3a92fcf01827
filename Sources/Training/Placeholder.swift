import IDXData
